import fs from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { descriptorOf } from '../environments/registry.js';
import type { HostConfig } from '../hosts/schema.js';
import { selectWorkloads } from '../workload/suite.js';
import { UsageError } from './errors.js';
import { ENVIRONMENT_NAMES, type Experiment, ExperimentSchema } from './schema.js';

/** Formats zod issues as "path: message" lines, the path in config notation. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], where: string): string {
  return issues
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${where}: ${path ? path.replace(/^\./, '') : '(top level)'}: ${issue.message}`;
    })
    .join('\n');
}

export function parseConfigText(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const value = parseConfigText(text, file);
  return value ?? {};
}

/** Deep merge where `over` wins; arrays are replaced, not merged. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateExperiment(raw: unknown, where: string): Experiment {
  const parsed = ExperimentSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(formatIssues(parsed.error.issues, where));
  const { workload, workloads, suite, preset, params, ...rest } = parsed.data;
  checkHosts(rest.hosts, where);
  try {
    const selected = selectWorkloads({ workload, workloads, suite, preset, params, workloadDirs: rest.workloadDirs });
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

/** Config file (optional) with flag overrides on top, validated as a whole. */
export function loadExperiment(file: string | undefined, overrides: unknown): Experiment {
  const base = file ? readConfigFile(file) : {};
  return validateExperiment(mergeConfig(base, overrides), file ?? 'flags');
}
