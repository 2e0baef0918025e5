// The `hosts` section: machines whose own engines versus drives over SSH. Empty (the
// default): everything runs on this machine, as before.
import { z } from 'zod';

function baseFields(defaultEnvironments: readonly string[]) {
  return {
    name: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only')
      .describe('how results and figures name the host'),
    ssh: z
      .object({
        host: z.string().min(1).describe('address or name of the host'),
        port: z.number().int().min(1).max(65535).default(22),
        user: z.string().min(1).default('root'),
        key: z.string().min(1).describe('path of the private key (no passphrase)'),
        hostKey: z
          .string()
          .nullable()
          .default(null)
          .describe(
            "the server's public key as in known_hosts (base64), pinned; null: the first key seen is kept for the experiment",
          ),
        proxyCommand: z
          .array(z.string().min(1))
          .min(1)
          .nullable()
          .default(null)
          .describe(
            "argv of a command whose stdin/stdout reach the host's sshd (OpenSSH ProxyCommand, e.g. a jump host)",
          ),
        connectTimeoutS: z
          .number()
          .min(1)
          .max(300)
          .default(20)
          .describe('how long a connection to the host may take before it is unreachable'),
        keepaliveS: z
          .number()
          .min(0.5)
          .max(60)
          .default(5)
          .describe('SSH keepalive interval; six unanswered in a row and the connection is lost'),
      })
      .strict(),
    environments: z
      .array(z.string())
      .min(1)
      .default([...defaultEnvironments])
      .describe('the environments whose workers this host runs (its own engines)'),
    weight: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1)
      .describe(
        "this host's share of an environment's workers against the other hosts' (2 and 1: two workers there for each one here); all equal: worker i on host i mod hosts",
      ),
    cacheDir: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("versus's folder on the host (workloads, VM files, run state); null: ~/.cache/versus there"),
  };
}

/** A host entry: the common fields, and backends' sections read back by the backend itself. */
export type HostConfig = z.output<z.ZodObject<ReturnType<typeof baseFields>>> & { readonly [backend: string]: unknown };

/**
 * The hosts section, assembled by the composition: the common fields, what a host runs
 * when its entry names nothing, and each backend's own part of a host entry
 * (`hosts[].docker.socket`), declared by its descriptor.
 */
export function hostsSchema(
  defaultEnvironments: readonly string[],
  backendSections: Readonly<Record<string, z.ZodTypeAny>>,
) {
  const host = z
    .object({ ...baseFields(defaultEnvironments), ...backendSections })
    .strict() as unknown as z.ZodType<HostConfig>;
  return z
    .array(host)
    .default([])
    .refine((hosts) => new Set(hosts.map((h) => h.name)).size === hosts.length, 'each host name once')
    .describe('remote hosts; workers of an environment that hosts offer are spread evenly over them');
}
