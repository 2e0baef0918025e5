// Host speed over an experiment from the drift canary: each run's canary against the
// experiment's median, and the runs taken while the host was more than the threshold off
// it. Also what `compare --normalize canary` scales by. Pure.
import { median } from '../stats/basic.js';
import type { RunRecord } from './types.js';

/** How far off its median the host may be before a run is marked, %. */
export const CANARY_THRESHOLD_PCT = 10;

export interface CanaryPoint {
  run: string;
  index: number;
  env: string;
  mstepsPerS: number;
  /** the canary against the experiment's median, 1 = as usual */
  relative: number;
  flagged: boolean;
}

export interface CanaryDrift {
  median: number;
  thresholdPct: number;
  points: CanaryPoint[];
  /** runs taken while the host was more than thresholdPct off its median */
  flagged: string[];
  /** the spread of the host's speed: (max − min) / median */
  rangePct: number;
}

/** null when no run has a canary. */
export function canaryDrift(runs: readonly RunRecord[], thresholdPct = CANARY_THRESHOLD_PCT): CanaryDrift | null {
  const probed = runs.filter((r) => r.canary && r.canary.mstepsPerS > 0);
  if (!probed.length) return null;
  // the median over blocks, not runs: a block of many runs weighs as one reading
  const perBlock = new Map(probed.map((r) => [r.canary!.at, r.canary!.mstepsPerS]));
  const mid = median([...perBlock.values()]);
  const points = probed.map((r) => {
    const relative = r.canary!.mstepsPerS / mid;
    return {
      run: r.run,
      index: r.index,
      env: r.env,
      mstepsPerS: r.canary!.mstepsPerS,
      relative,
      flagged: Math.abs(relative - 1) * 100 > thresholdPct,
    };
  });
  const speeds = [...perBlock.values()];
  return {
    median: mid,
    thresholdPct,
    points,
    flagged: points.filter((p) => p.flagged).map((p) => p.run),
    rangePct: ((Math.max(...speeds) - Math.min(...speeds)) / mid) * 100,
  };
}

/**
 * A host whose speed moves more than the threshold from block to block as a rule, not as
 * an exception: more than half the runs off the median. Then no run stands out; the host
 * itself cannot resolve changes that small between runs.
 */
export function unsteadyHost(d: CanaryDrift): boolean {
  return d.flagged.length * 2 > d.points.length;
}

/** One line for the terminal: the host's speed and the runs it marks. */
export function canaryText(d: CanaryDrift): string {
  const head = `host speed (drift canary): median ${d.median.toFixed(1)} Msteps/s, range ${d.rangePct.toFixed(0)}% of it`;
  if (unsteadyHost(d))
    return `${head}; ${d.flagged.length} of ${d.points.length} runs were taken while the host was more than ${d.thresholdPct}% off: this host's speed itself moves that much from block to block, so single runs cannot be told apart at that resolution — rely on paired ratios over many blocks`;
  return d.flagged.length
    ? `${head}; ${d.flagged.length} run(s) taken while the host was more than ${d.thresholdPct}% off: ${d.flagged.join(', ')}`
    : `${head}; no run taken while it was more than ${d.thresholdPct}% off`;
}
