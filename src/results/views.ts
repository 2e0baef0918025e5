// How results show each environment, and which samples are a worker's own view. The
// views come from the results (experiment.json `views`, written from the registry at run
// time), else from the views the composition registered, else a plain fallback, so old results and results of a
// backend this build does not know still render. Pure apart from the registered views.
import type { SampleSource } from '../sampling/types.js';
import type { RunRecord, SampleRecord } from './types.js';

/**
 * Isolation levels, the one list (a backend's descriptor says which is its own; a workload
 * manifest's published ranges name them): they decide the overhead pairs — every vm, microvm
 * and sandbox against every container, every vm against every microvm, all against the baseline.
 */
export const ENVIRONMENT_KINDS = ['container', 'sandbox', 'microvm', 'vm', 'baseline'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** How results show a backend; written into experiment.json so reports need no list of backends. */
export interface EnvironmentView {
  /** legend label, e.g. "Containers (<engine>)" */
  label: string;
  /** short name in ratio labels, e.g. "container", "VM" */
  short: string;
  kind: EnvironmentKind;
  /** colour in every figure */
  color: string;
  /** the sample source that is the worker's own view (the figures' source) */
  workerSource: SampleSource;
}

export type Views = Readonly<Record<string, EnvironmentView>>;

/**
 * The views of the backends this build knows, in legend order. The composition
 * (src/compose/registry.ts) registers them once, so results without recorded views
 * (older ones) still render with their backends' colours and order.
 */
let knownViews: readonly (readonly [string, EnvironmentView])[] = [];
export function registerKnownViews(views: readonly (readonly [string, EnvironmentView])[]): void {
  knownViews = views;
}

const FALLBACK_COLORS = ['#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

/** The view of one environment. */
export function viewOf(env: string, recorded?: Views): EnvironmentView {
  const known = recorded?.[env] ?? knownViews.find(([name]) => name === env)?.[1];
  if (known) return known;
  const i = [...env].reduce((a, c) => a + c.charCodeAt(0), 0) % FALLBACK_COLORS.length;
  return { label: env, short: env, kind: 'container', color: FALLBACK_COLORS[i]!, workerSource: 'process' };
}

/** Legend and table order: the registry's, then recorded ones, then by name. */
export function envRank(env: string, recorded?: Views): number {
  const i = knownViews.findIndex(([name]) => name === env);
  if (i >= 0) return i;
  const j = Object.keys(recorded ?? {}).indexOf(env);
  return knownViews.length + (j >= 0 ? j : 1000);
}

/**
 * [numerator, denominator, label] for the environments present: every vm, microvm and
 * sandbox against every container; every vm against every microvm (what a full machine costs); backends of the same kind against each other (what the tooling
 * costs: one VM tool against another, one container runtime against another); everything against the baseline.
 */
export function overheadPairs(envs: readonly string[], recorded?: Views): [string, string, string][] {
  const sorted = [...new Set(envs)].sort((a, b) => envRank(a, recorded) - envRank(b, recorded));
  const kind = (e: string): EnvironmentKind => viewOf(e, recorded).kind;
  const short = (e: string) => viewOf(e, recorded).short;
  const out: [string, string, string][] = [];
  const heavier = (k: EnvironmentKind) => k === 'vm' || k === 'microvm' || k === 'sandbox';
  for (const a of sorted)
    for (const b of sorted) {
      if (a === b) continue;
      if (heavier(kind(a)) && kind(b) === 'container') out.push([a, b, `${short(a)}/${short(b)}`]);
      else if (kind(a) === 'vm' && kind(b) === 'microvm') out.push([a, b, `${short(a)}/${short(b)}`]);
      else if (kind(a) === kind(b) && kind(a) !== 'baseline' && envRank(a, recorded) > envRank(b, recorded))
        out.push([a, b, `${short(a)}/${b} ${short(b)}`]);
    }
  for (const a of sorted)
    for (const b of sorted)
      if (a !== b && kind(b) === 'baseline' && kind(a) !== 'baseline') out.push([a, b, `${short(a)}/${short(b)}`]);
  return out;
}

/**
 * The memory figure that means the same everywhere: the workload processes' PSS where the
 * sampler saw them (smaps_rollup), else what the view charges (older results, remote engines).
 */
export function comparableMemory(s: Pick<SampleRecord, 'memPssBytes' | 'memUsedBytes'>): number | null {
  return s.memPssBytes ?? s.memUsedBytes ?? null;
}

/** The sample source that is the worker's own view in this run. */
export function workerSourceOf(
  run: Pick<RunRecord, 'env' | 'workerSource'>,
  recorded?: Views,
): SampleRecord['source'] | undefined {
  return run.workerSource ?? viewOf(run.env, recorded).workerSource;
}
