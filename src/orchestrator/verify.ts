import type { RunRecord, WorkerRecord } from '../results/types.js';

/**
 * Decides whether a run's work is trustworthy: every worker ended with code 0,
 * printed a verified result, and all checksums agree with each other and with the
 * reference seen first for the same computation. Pure.
 */
export function verifyRun(
  workers: readonly WorkerRecord[],
  reference: string | undefined,
): { ok: true; checksum: string } | { ok: false; reason: string } {
  for (const w of workers) {
    if (w.reason) return { ok: false, reason: `${w.worker}: ${w.reason}${w.stderrTail ? ` — ${w.stderrTail}` : ''}` };
    if (w.exitCode !== 0) return { ok: false, reason: `${w.worker}: exit code ${w.exitCode}` };
    if (!w.checksum) return { ok: false, reason: `${w.worker}: no verified result line` };
  }
  const sums = new Set(workers.map((w) => w.checksum));
  if (sums.size > 1) return { ok: false, reason: `workers disagree on the checksum: ${[...sums].join(' vs ')}` };
  const checksum = workers[0]?.checksum;
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
