// The `hosts` section: machines whose own engines versus drives over SSH. Empty (the
// default): everything runs on this machine, as before.
import { z } from 'zod';
import { DEFAULT_HOST_ENVIRONMENTS, ENVIRONMENTS } from '../environments/registry.js';

const baseFields = {
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
    })
    .strict(),
  environments: z
    .array(z.string())
    .min(1)
    .default(DEFAULT_HOST_ENVIRONMENTS)
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

/** Each backend's own part of a host entry (`hosts[].docker.socket`), declared by its descriptor. */
const backendSections = Object.fromEntries(
  ENVIRONMENTS.flatMap((d) => (d.hostConfig ? [[d.name, d.hostConfig]] : [])),
) as Record<string, z.ZodTypeAny>;

const BaseHost = z.object(baseFields);

/** A host entry: the common fields, and backends' sections read back by the backend itself. */
export type HostConfig = z.output<typeof BaseHost> & { readonly [backend: string]: unknown };

export const HostSchema = z.object({ ...baseFields, ...backendSections }).strict() as unknown as z.ZodType<HostConfig>;

export const HostsSchema = z
  .array(HostSchema)
  .default([])
  .refine((hosts) => new Set(hosts.map((h) => h.name)).size === hosts.length, 'each host name once')
  .describe('remote hosts; workers of an environment that hosts offer are spread evenly over them');
