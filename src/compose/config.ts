// The whole experiment schema, assembled from the core fields (config/schema.ts), every
// environment's own section and each one's part of a host entry; and the config loaded
// and validated against it. The one place that knows both the config and the registry.
import { z } from 'zod';
import { formatIssues, mergeConfig, readConfigFile, valueAt } from '../config/load.js';
import { coreFields, type Experiment, outputField } from '../config/schema.js';
import { type HostConfig, hostsSchema } from '../hosts/schema.js';
import { UsageError } from '../util/errors.js';
import { selectWorkloads } from '../workload/suite.js';
import {
  DEFAULT_ENVIRONMENTS,
  DEFAULT_HOST_ENVIRONMENTS,
  descriptorOf,
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
  type REGISTRY,
} from './registry.js';

/** Each environment's own config section, from its descriptor: { docker: …, qemu: …, … }. */
type EnvironmentSections = { [K in keyof typeof REGISTRY]: (typeof REGISTRY)[K]['config'] };
const environmentSections = Object.fromEntries(ENVIRONMENTS.map((d) => [d.name, d.config])) as EnvironmentSections;
const hostSections = Object.fromEntries(ENVIRONMENTS.flatMap((d) => (d.hostConfig ? [[d.name, d.hostConfig]] : [])));

export const ExperimentSchema = z
  .object({
    ...coreFields({ names: ENVIRONMENT_NAMES, defaults: DEFAULT_ENVIRONMENTS }),
    ...environmentSections,
    hosts: hostsSchema(DEFAULT_HOST_ENVIRONMENTS, hostSections),
    ...outputField,
  })
  .strict();

export type ExperimentInput = z.input<typeof ExperimentSchema>;
/** An experiment with every environment's section typed (below the composition each backend types its own). */
export type ComposedExperiment = Experiment & { [K in keyof EnvironmentSections]: z.output<EnvironmentSections[K]> };

export function experimentJsonSchema(): unknown {
  return z.toJSONSchema(ExperimentSchema, { io: 'input' });
}

/** Which flag set a config path, for errors: [flag, path] pairs of the command that merged them. */
export type FlagPaths = readonly (readonly [flag: string, path: string])[];

export function validateExperiment(
  raw: unknown,
  where: string,
  flags: { overrides: unknown; paths: FlagPaths } | null = null,
): ComposedExperiment {
  const parsed = ExperimentSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(formatIssues(parsed.error.issues, where, flagNamer(flags)));
  const { workload, workloads, suite, preset, params, network, placement, ...rest } = parsed.data;
  checkHosts(rest.hosts, where);
  try {
    const selected = selectWorkloads({
      workload,
      workloads,
      suite,
      preset,
      params,
      network,
      placement,
      workloadDirs: rest.workloadDirs,
    });
    return { ...rest, workloads: selected.entries, suite: selected.suite };
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${where}: ${err.message}`);
    throw err;
  }
}

/** Every environment a host offers exists and can run on a remote host. */
function checkHosts(hosts: readonly HostConfig[], where: string): void {
  hosts.forEach((h, i) => {
    h.environments.forEach((env, j) => {
      const d = descriptorOf(env);
      const at = `${where}: hosts[${i}].environments[${j}]`;
      if (!d) throw new UsageError(`${at}: no environment ${JSON.stringify(env)} (${ENVIRONMENT_NAMES.join(', ')})`);
      if (!d.createOnHost) {
        const remote = ENVIRONMENT_NAMES.filter((n) => descriptorOf(n)?.createOnHost);
        throw new UsageError(`${at}: ${env} cannot run on a remote host yet (${remote.join(', ')} can)`);
      }
    });
  });
}

/** Config file (optional) with flag overrides on top, validated as a whole; a bad flag's error names the flag. */
export function loadExperiment(
  file: string | undefined,
  overrides: unknown,
  paths: FlagPaths = [],
): ComposedExperiment {
  const base = file ? readConfigFile(file) : {};
  return validateExperiment(mergeConfig(base, overrides), file ?? 'flags', { overrides, paths });
}

/** "--interval 1" for an issue at a path (or under it) that a flag set. */
export function flagNamer(flags: { overrides: unknown; paths: FlagPaths } | null) {
  return (path: string): string | null => {
    for (const [flag, at] of flags?.paths ?? []) {
      if (path !== at && !path.startsWith(`${at}.`) && !path.startsWith(`${at}[`)) continue;
      const value = valueAt(flags!.overrides, at);
      if (value === undefined) continue;
      return `${flag} ${Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
    }
    return null;
  };
}
