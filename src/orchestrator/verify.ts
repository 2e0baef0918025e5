import type { RunRecord, WorkerRecord } from '../results/types.js';
import type { WorkloadManifest } from '../workload/manifest.js';

/** A worker's result that says it did not verify itself (a server whose clients never finished, a tool that failed its own check). */
export const UNVERIFIED = 'result not verified';

/** Why a result's metrics cannot be trusted: a declared metric missing or outside its sane bounds; null if fine. Pure. */
export function metricProblem(
  manifest: Pick<WorkloadManifest, 'metrics'>,
  metrics: Readonly<Record<string, number>>,
): string | null {
  for (const [name, spec] of Object.entries(manifest.metrics)) {
    const v = metrics[name];
    if (v === undefined || !Number.isFinite(v)) return `result lacks metric ${name}`;
    if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))
      return `metric ${name} = ${v} ${spec.unit} is outside its sane bounds [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]`;
  }
  return null;
}

/**
 * Decides whether a run's work is trustworthy: every worker ended with code 0,
 * printed a verified result with every declared metric, and (checksum workloads)
 * all checksums agree with each other and with the reference seen first for the
 * same computation. Bounds workloads (tools without a checksum) stop at the
 * metrics. Pure.
 */
/** Why one worker failed, and whether that is likely a consequence of another's failure (no or an unverified result). */
function workerProblem(w: WorkerRecord): { text: string; consequence: boolean } | null {
  const tail = w.stderrTail ? ` — ${w.stderrTail}` : '';
  if (w.reason) return { text: `${w.worker}: ${w.reason}${tail}`, consequence: w.reason === UNVERIFIED && !tail };
  if (w.exitCode !== 0) return { text: `${w.worker}: exit code ${w.exitCode}${tail}`, consequence: false };
  if (!w.checksum) return { text: `${w.worker}: no verified result line`, consequence: true };
  return null;
}

export function verifyRun(
  workers: readonly WorkerRecord[],
  reference: string | undefined,
  mode: 'checksum' | 'bounds' = 'checksum',
  /** whose checksums must agree: the reporting role's workers (servers verify themselves); default every worker */
  reporting: readonly WorkerRecord[] = workers,
): { ok: true; checksum: string } | { ok: false; reason: string } {
  const problems = workers.flatMap((w) => workerProblem(w) ?? []);
  // causes first: a worker's own error before another's missing or unverified result
  if (problems.length)
    return {
      ok: false,
      reason: problems
        .sort((a, b) => +a.consequence - +b.consequence)
        .map((p) => p.text)
        .join('; '),
    };
  if (mode === 'bounds')
    return workers.length ? { ok: true, checksum: workers[0]!.checksum! } : { ok: false, reason: 'no workers' };
  const sums = new Set(reporting.map((w) => w.checksum));
  if (sums.size > 1) return { ok: false, reason: `workers disagree on the checksum: ${[...sums].join(' vs ')}` };
  const checksum = reporting[0]?.checksum;
  if (!checksum) return { ok: false, reason: 'no workers' };
  if (reference !== undefined && reference !== checksum) {
    return {
      ok: false,
      reason: `checksum ${checksum} differs from ${reference}, seen first for the same workload and parameters`,
    };
  }
  return { ok: true, checksum };
}

export function isMeasured(r: RunRecord): boolean {
  return !r.warmup && r.status === 'ok';
}
