import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { METRICS } from '../results/metrics.js';
import type { MetricDecl } from '../results/types.js';
import { ENVIRONMENT_KINDS } from '../results/views.js';
import { UsageError } from '../util/errors.js';
import { WORKLOADS_DIR } from '../util/paths.js';
import { NETWORK_MODES, type NetworkMode, type Placement, placeRoles, RolesSchema } from './roles.js';

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

/** A metric as a manifest declares it: the one MetricDecl shape (results/types.ts). */
const MetricSpec: z.ZodType<MetricDecl> = z
  .object({
    unit: z.string().min(1),
    better: z.enum(['higher', 'lower']),
    headline: z.boolean().optional(),
    description: z.string().optional(),
    /** sane bounds: a value outside them fails the worker's verification */
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();
export type MetricSpec = MetricDecl;

/** A finding as a ratio range: how many times worse than `against` environments of these kinds were. */
const PublishedRangeSchema = z
  .object({
    finding: z.string().min(1),
    source: z.string().min(1).optional(),
    kinds: z.array(z.enum(ENVIRONMENT_KINDS)).min(1),
    against: z.enum(ENVIRONMENT_KINDS).optional(),
    metric: z.string().min(1).optional(),
    network: z.enum(['bridge', 'host']).optional(),
    lo: z.number().positive(),
    hi: z.number().positive().nullable(),
  })
  .strict();

const ReferenceSchema = z
  .object({
    source: z.string().min(1),
    benchmark: z.string().min(1),
    findings: z.record(z.string().min(1), z.string().min(1)),
    ranges: z.array(PublishedRangeSchema).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const [i, range] of (r.ranges ?? []).entries()) {
      if (!r.findings[range.finding])
        ctx.addIssue({ code: 'custom', path: ['ranges', i, 'finding'], message: `${range.finding} is not a finding` });
      if (range.hi !== null && range.hi < range.lo)
        ctx.addIssue({ code: 'custom', path: ['ranges', i, 'hi'], message: 'hi is below lo' });
    }
  });

const ManifestSchema = z
  .object({
    name: z.string().regex(/^[\w-]+$/),
    version: z.number().int(),
    description: z.string().optional(),
    /** started as `node barrier.mjs <name>/<entry> --param=value …` in every environment */
    entry: z.string().regex(/^[\w.-]+\.m?js$/),
    parameters: z.record(z.string(), ParamSpec),
    presets: z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    /** parameters that change how the work is done, not what is computed (not in the work key) */
    executionOnly: z.array(z.string()).default([]),
    /** Debian packages the workload needs in the worker image (the image hash covers them) */
    packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/)).default([]),
    /** checksum: equal computations give equal checksums; bounds: exit 0 and every metric within its bounds */
    verification: z.enum(['checksum', 'bounds']).default('checksum'),
    /** what the result line reports: name → unit, direction, which one is the headline */
    metrics: z.record(z.string().regex(/^[A-Za-z][\w.-]*$/), MetricSpec).refine((m) => Object.keys(m).length > 0, {
      message: 'declare at least one metric',
    }),
    /** the network a run's workers get unless the config says otherwise (docs/network.md) */
    network: z.enum(NETWORK_MODES).default('none'),
    /** the workers' roles (a server and its clients); absent: every worker runs the entry alike */
    roles: RolesSchema.optional(),
    /** a published result this workload answers (the report's reference table): its source, benchmark, findings by column */
    reference: ReferenceSchema.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const p of m.executionOnly)
      if (!m.parameters[p])
        ctx.addIssue({ code: 'custom', path: ['executionOnly'], message: `${p} is not a parameter` });
    for (const [preset, values] of Object.entries(m.presets))
      for (const p of Object.keys(values))
        if (!m.parameters[p])
          ctx.addIssue({ code: 'custom', path: ['presets', preset], message: `${p} is not a parameter` });
    for (const name of Object.keys(m.metrics))
      if (METRICS[name])
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', name],
          message: 'the harness measures this itself; rename it',
        });
    if (Object.values(m.metrics).filter((x) => x.headline).length > 1)
      ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'at most one headline metric' });
    if (m.roles && m.network === 'none')
      ctx.addIssue({ code: 'custom', path: ['network'], message: 'roles talk to each other: bridge or host' });
    for (const [i, range] of (m.reference?.ranges ?? []).entries())
      if (range.metric && range.metric !== 'makespan' && !m.metrics[range.metric])
        ctx.addIssue({
          code: 'custom',
          path: ['reference', 'ranges', i, 'metric'],
          message: `${range.metric} is not a metric`,
        });
  });
export type WorkloadManifest = z.output<typeof ManifestSchema>;

/** The headline metric: the one marked, else the first declared. */
export function headlineMetric(m: Pick<WorkloadManifest, 'metrics'>): string {
  const names = Object.keys(m.metrics);
  return names.find((n) => m.metrics[n]!.headline) ?? names[0]!;
}

export type ParamValue = string | number | boolean;

export interface ResolvedWorkload {
  /** how results name this entry: the workload name, or name@preset when one suite runs it twice */
  id: string;
  manifest: WorkloadManifest;
  /** the folder the workload came from */
  dir: string;
  preset: string;
  /** Every parameter given explicitly (preset, then overrides). */
  params: Record<string, ParamValue>;
  /** Identifies the computation: runs with equal keys must produce equal checksums. */
  workKey: string;
  /** the network its runs get: the manifest's, or the config's override */
  network: NetworkMode;
}

/** The workload folder of `name`: the first of `dirs` holding it, then the project's workloads/. */
export function findWorkload(name: string, dirs: readonly string[] = []): string {
  if (!/^[\w-]+$/.test(name) || name === 'lib')
    throw new UsageError(`workload: ${JSON.stringify(name)} is not a workload folder name`);
  const searched = [...dirs, WORKLOADS_DIR];
  for (const d of searched) if (fs.existsSync(path.join(d, name, 'workload.json'))) return path.join(d, name);
  const known = listWorkloads(dirs).join(', ');
  throw new UsageError(`workload: no workload ${name} in ${searched.join(', ')} (known: ${known || 'none'})`);
}

/** Every workload folder name in `dirs` and the project's workloads/, sorted. */
export function listWorkloads(dirs: readonly string[] = []): string[] {
  const names = new Set<string>();
  for (const d of [...dirs, WORKLOADS_DIR]) {
    if (!fs.existsSync(d)) continue;
    for (const e of fs.readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory() && fs.existsSync(path.join(d, e.name, 'workload.json'))) names.add(e.name);
  }
  return [...names].sort();
}

export function loadManifest(name: string, dirs: readonly string[] = []): WorkloadManifest {
  return readManifest(findWorkload(name, dirs));
}

/** Reads and checks <dir>/workload.json; the folder name must be the manifest's name. */
export function readManifest(dir: string): WorkloadManifest {
  const name = path.basename(dir);
  const file = path.join(dir, 'workload.json');
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
  if (parsed.data.name !== name)
    throw new UsageError(`${file}: name ${parsed.data.name} differs from its folder ${name}`);
  const entries = [parsed.data.entry, ...Object.values(parsed.data.roles ?? {}).map((r) => r.entry)];
  for (const entry of entries)
    if (entry && !fs.existsSync(path.join(dir, entry))) throw new UsageError(`${file}: entry ${entry} does not exist`);
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
  where: { id?: string; dir?: string; network?: NetworkMode | undefined; placement?: Placement | undefined } = {},
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
    try {
      params[name] = coerceParam(name, spec, value);
    } catch (err) {
      throw new UsageError(`${manifest.name}: ${(err as Error).message}`);
    }
  }
  const executionOnly = new Set(manifest.executionOnly);
  const work = Object.keys(manifest.parameters)
    .filter((k) => !executionOnly.has(k))
    .map((k) => `${k}=${JSON.stringify(params[k] ?? manifest.parameters[k]!.default)}`);
  return {
    id: where.id ?? manifest.name,
    manifest: placed(manifest, where.placement),
    dir: where.dir ?? path.join(WORKLOADS_DIR, manifest.name),
    preset,
    params,
    workKey: `${manifest.name}@${manifest.version}:${work.join(',')}`,
    network: networkOf(manifest, where.network),
  };
}

/** The manifest with its roles placed as the config says (the roles' `place`); unchanged without a placement. */
function placed(manifest: WorkloadManifest, placement: Placement | undefined): WorkloadManifest {
  if (!placement || !Object.keys(placement).length) return manifest;
  if (!manifest.roles)
    throw new UsageError(`placement: ${manifest.name} has no roles to place (${Object.keys(placement).join(', ')})`);
  try {
    return { ...manifest, roles: placeRoles(manifest.roles, placement, manifest.name) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The manifest's network, or the config's: a workload with roles needs one its workers can talk over. */
function networkOf(manifest: WorkloadManifest, override: NetworkMode | undefined): NetworkMode {
  if (override === 'none' && manifest.roles)
    throw new UsageError(
      `network: ${manifest.name} has roles (${Object.keys(manifest.roles).join(', ')}) that talk to each other; give it bridge or host, not none`,
    );
  return override ?? manifest.network;
}

/** argv for the workload entry: explicit `--name=value` flags, never a shell string. */
export function workloadArgs(resolved: ResolvedWorkload, extra: Record<string, ParamValue> = {}): string[] {
  const all = { ...resolved.params, ...extra };
  return Object.keys(all)
    .sort()
    .map((k) => `--${k}=${String(all[k])}`);
}
