import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../config/errors.js';
import { WORKLOADS_DIR } from '../util/paths.js';

const ParamSpec = z.object({
  type: z.enum(['integer', 'number', 'enum', 'boolean', 'path']),
  min: z.number().optional(),
  max: z.number().optional(),
  exclusiveMax: z.boolean().optional(),
  values: z.array(z.string()).optional(),
  default: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  help: z.string().optional(),
});
export type ParamSpec = z.infer<typeof ParamSpec>;

const ManifestSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  description: z.string().optional(),
  entry: z.string().regex(/^[\w.-]+\.m?js$/),
  parameters: z.record(z.string(), ParamSpec),
  presets: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});
export type WorkloadManifest = z.infer<typeof ManifestSchema>;

export type ParamValue = string | number | boolean;

/** Parameters that change how the work is done, not what is computed. */
const EXECUTION_ONLY = new Set(['threads', 'work-dir', 'keep-data', 'ranks-out', 'max-memory-mb']);

export interface ResolvedWorkload {
  manifest: WorkloadManifest;
  preset: string;
  /** Every parameter given explicitly (preset, then overrides). */
  params: Record<string, ParamValue>;
  /** Identifies the computation: runs with equal keys must produce equal checksums. */
  workKey: string;
}

export function loadManifest(name: string, workloadsDir = WORKLOADS_DIR): WorkloadManifest {
  if (!/^[\w-]+$/.test(name))
    throw new UsageError(`workload.name: ${JSON.stringify(name)} is not a workload folder name`);
  const file = path.join(workloadsDir, name, 'workload.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT' ? `workload.name: no workload ${name} (${file} missing)` : `${file}: ${(err as Error).message}`,
    );
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Checks one value against the manifest, accepting strings from flags. */
export function coerceParam(name: string, spec: ParamSpec, value: ParamValue): ParamValue {
  const fail = (what: string) => new UsageError(`workload.params.${name}: ${what}, not ${JSON.stringify(value)}`);
  switch (spec.type) {
    case 'boolean':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw fail('must be true or false');
    case 'enum':
      if (typeof value !== 'string' || !spec.values?.includes(value))
        throw fail(`must be one of ${spec.values?.join(', ')}`);
      return value;
    case 'path':
      if (typeof value !== 'string' || value.length === 0) throw fail('must be a path');
      return value;
    default: {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
        throw fail(spec.type === 'integer' ? 'must be an integer' : 'must be a number');
      }
      const tooHigh = spec.max !== undefined && (spec.exclusiveMax ? n >= spec.max : n > spec.max);
      if ((spec.min !== undefined && n < spec.min) || tooHigh) {
        throw fail(`must be between ${spec.min} and ${spec.max}${spec.exclusiveMax ? ' (exclusive)' : ''}`);
      }
      return n;
    }
  }
}

export function resolveWorkload(
  manifest: WorkloadManifest,
  preset: string,
  overrides: Record<string, ParamValue>,
): ResolvedWorkload {
  const base = manifest.presets[preset];
  if (!base) {
    throw new UsageError(
      `workload.preset: ${manifest.name} has no preset ${JSON.stringify(preset)} (presets: ${Object.keys(manifest.presets).join(', ')})`,
    );
  }
  const params: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries({ ...base, ...overrides })) {
    const spec = manifest.parameters[name];
    if (!spec)
      throw new UsageError(
        `workload.params.${name}: ${manifest.name} has no such parameter (known: ${Object.keys(manifest.parameters).join(', ')})`,
      );
    params[name] = coerceParam(name, spec, value);
  }
  const work = Object.keys(manifest.parameters)
    .filter((k) => !EXECUTION_ONLY.has(k))
    .map((k) => `${k}=${JSON.stringify(params[k] ?? manifest.parameters[k]!.default)}`);
  return { manifest, preset, params, workKey: `${manifest.name}@${manifest.version}:${work.join(',')}` };
}

/** argv for the workload entry: explicit `--name=value` flags, never a shell string. */
export function workloadArgs(resolved: ResolvedWorkload, extra: Record<string, ParamValue> = {}): string[] {
  const all = { ...resolved.params, ...extra };
  return Object.keys(all)
    .sort()
    .map((k) => `--${k}=${String(all[k])}`);
}
