// Which workloads an experiment runs: one workload, a list, or a suite file
// (suites/<name>.yaml: workload + preset entries), normalised to one list of entries.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UsageError } from '../util/errors.js';
import { PROJECT_ROOT } from '../util/paths.js';
import { findWorkload, type ParamValue, readManifest, resolveWorkload, type WorkloadManifest } from './manifest.js';
import { NETWORK_MODES, type NetworkMode, PLACES, type Placement } from './roles.js';

export const SUITES_DIR = path.join(PROJECT_ROOT, 'suites');
/** The suite of an experiment that names no workload. */
export const DEFAULT_SUITE = 'default';

const paramValue = z.union([z.string(), z.number(), z.boolean()]);

/** role name → where it runs */
export const PlacementInput = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.enum(PLACES));

export const WorkloadEntryInput = z
  .object({
    name: z.string().describe('a workload folder (workloads/ or workloadDirs)'),
    preset: z.string().optional().describe('a preset of the workload manifest (default tiny)'),
    params: z.record(z.string(), paramValue).optional().describe('parameters over the preset'),
    network: z
      .enum(NETWORK_MODES)
      .optional()
      .describe("the workers' network: none, bridge (a segment of the run's own) or host (default: the manifest's)"),
    placement: PlacementInput.optional().describe(
      "where each role runs, over the manifest's: environment, or host (a native process on the run's segment, e.g. client: host)",
    ),
    id: z
      .string()
      .regex(/^[\w@.-]+$/)
      .optional()
      .describe('how results name this entry (default: the name, or name@preset when a name repeats)'),
  })
  .strict();
export type WorkloadEntryInput = z.infer<typeof WorkloadEntryInput>;

/** The one-workload form; without a name it is the default suite's first workload (configs from before suites). */
export const SingleWorkloadInput = WorkloadEntryInput.extend({
  name: z.string().optional().describe("a workload folder (default: the default suite's first workload)"),
});
export type SingleWorkloadInput = z.infer<typeof SingleWorkloadInput>;

/** One workload of an experiment, as runs, results and reports name it. */
export interface WorkloadEntry {
  id: string;
  name: string;
  preset: string;
  params: Record<string, ParamValue>;
  /** the network over the manifest's; absent: the manifest's */
  network?: NetworkMode;
  /** where roles run, over the manifest's; absent: the manifest's */
  placement?: Placement;
}

const SuiteSchema = z
  .object({ description: z.string().optional(), workloads: z.array(WorkloadEntryInput).min(1) })
  .strict();

export interface Suite {
  name: string;
  file: string;
  description: string;
  workloads: WorkloadEntryInput[];
}

/** A suite by name (suites/<name>.yaml) or by path to a YAML file. */
export function loadSuite(nameOrFile: string): Suite {
  const isFile = nameOrFile.includes('/') || /\.ya?ml$/.test(nameOrFile);
  if (!isFile && !/^[\w-]+$/.test(nameOrFile))
    throw new UsageError(`suite: ${JSON.stringify(nameOrFile)} is not a name`);
  const file = isFile ? nameOrFile : path.join(SUITES_DIR, `${nameOrFile}.yaml`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`suite: no suite ${nameOrFile} (${file} missing; suites: ${listSuites().join(', ')})`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = SuiteSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return {
    name: path.basename(file).replace(/\.ya?ml$/, ''),
    file,
    description: parsed.data.description ?? '',
    workloads: parsed.data.workloads,
  };
}

export function listSuites(): string[] {
  if (!fs.existsSync(SUITES_DIR)) return [];
  return fs
    .readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** ids: the name, name@preset where a name repeats; explicit ids win; duplicates are an error. Pure. */
export function assignIds(entries: readonly WorkloadEntryInput[], defaultPreset: string): WorkloadEntry[] {
  const count = new Map<string, number>();
  for (const e of entries) count.set(e.name, (count.get(e.name) ?? 0) + 1);
  const out = entries.map((e) => {
    const preset = e.preset ?? defaultPreset;
    return {
      id: e.id ?? (count.get(e.name)! > 1 ? `${e.name}@${preset}` : e.name),
      name: e.name,
      preset,
      params: { ...(e.params ?? {}) },
      ...(e.network ? { network: e.network } : {}),
      ...(e.placement ? { placement: { ...e.placement } } : {}),
    };
  });
  const seen = new Set<string>();
  for (const e of out) {
    if (seen.has(e.id))
      throw new UsageError(`workloads: ${e.id} appears twice; give the entries different presets or ids`);
    seen.add(e.id);
  }
  return out;
}

export interface WorkloadSelection {
  workload?: SingleWorkloadInput | null;
  workloads?: WorkloadEntryInput[] | null;
  suite?: string | null;
  preset?: string | null;
  params?: Record<string, ParamValue> | null;
  /** the network of every workload, over the entries' and manifests' own */
  network?: NetworkMode | null;
  /** where roles run, for every workload with such a role, over the entries' and manifests' own */
  placement?: Placement | null;
  workloadDirs: string[];
}

/**
 * The experiment's workloads from whichever form the config used, with the
 * global preset and params applied, each checked against its manifest.
 * `params` keys: `name` for every workload declaring it, `workload.name` for one.
 */
export function selectWorkloads(sel: WorkloadSelection): { entries: WorkloadEntry[]; suite: string | null } {
  const forms = [sel.workload ? 'workload' : null, sel.workloads ? 'workloads' : null, sel.suite ? 'suite' : null];
  const given = forms.filter((f): f is string => f !== null);
  if (given.length > 1) throw new UsageError(`config: give one of ${given.join(', ')}, not several`);
  const suite = sel.suite ?? (given.length === 0 ? DEFAULT_SUITE : null);
  const single = sel.workload
    ? { ...sel.workload, name: sel.workload.name ?? loadSuite(DEFAULT_SUITE).workloads[0]!.name }
    : null;
  const inputs = single ? [single] : (sel.workloads ?? loadSuite(suite!).workloads);
  const entries = assignIds(
    inputs.map((e) => ({
      ...e,
      ...(sel.preset ? { preset: sel.preset } : {}),
      ...(sel.network ? { network: sel.network } : {}),
    })),
    'tiny',
  );
  const manifests = new Map(entries.map((e) => [e.id, readManifest(findWorkload(e.name, sel.workloadDirs))]));
  for (const [key, value] of Object.entries(sel.params ?? {})) {
    const dot = key.indexOf('.');
    const target = dot > 0 ? key.slice(0, dot) : null;
    const param = dot > 0 ? key.slice(dot + 1) : key;
    const hits = entries.filter(
      (e) => (target === null || e.id === target || e.name === target) && manifests.get(e.id)!.parameters[param],
    );
    if (hits.length === 0)
      throw new UsageError(
        `params.${key}: ${target ? `no workload ${target} with parameter ${param}` : `no workload of this experiment has a parameter ${param}`} (workloads: ${entries.map((e) => e.id).join(', ')})`,
      );
    for (const e of hits) e.params[param] = value;
  }
  applyPlacement(entries, manifests, sel.placement ?? {});
  // every entry resolves now, so a typo fails before any image is built
  for (const e of entries) resolveWorkload(manifests.get(e.id)!, e.preset, e.params, e);
  return { entries, suite: sel.workload || sel.workloads ? null : suite };
}

/** The experiment-wide placement onto every entry with such a role; a role no workload has is an error. */
function applyPlacement(
  entries: WorkloadEntry[],
  manifests: ReadonlyMap<string, WorkloadManifest>,
  placement: Placement,
): void {
  for (const [role, place] of Object.entries(placement)) {
    const hits = entries.filter((e) => manifests.get(e.id)!.roles?.[role]);
    if (hits.length === 0)
      throw new UsageError(
        `placement.${role}: no workload of this experiment has a role ${role} (workloads: ${entries.map((e) => e.id).join(', ')})`,
      );
    for (const e of hits) e.placement = { ...e.placement, [role]: place };
  }
}
