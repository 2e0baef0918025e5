// The JSON lines a workload prints on stdout, parsed without trusting them.

export type PhaseName = string;

export type WorkloadEvent =
  | { type: 'ready'; node: string; t: number }
  | { type: 'start'; node: string; threads: number; t: number }
  | { type: 'phase'; phase: PhaseName; state: 'begin' | 'end'; ms?: number; t: number }
  | { type: 'progress'; done: number; total: number | null }
  | { type: 'result'; result: WorkloadResult };

/**
 * A workload's result line, the same for every workload: a verification
 * (`checksum`, `verified`), the metrics its manifest declares (name → number),
 * and optionally the time per phase. Anything else on the line is ignored.
 */
export interface WorkloadResult {
  checksum: string;
  verified: boolean;
  metrics: Record<string, number>;
  peakRssBytes: number;
  threads: number;
  ms: Record<string, number>;
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

/** Parses one stdout line; returns null for anything that is not a known event. */
export function parseWorkloadLine(line: string): WorkloadEvent | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  switch (o.type) {
    case 'ready':
      return { type: 'ready', node: str(o.node) ? o.node : '?', t: num(o.t) ? o.t : 0 };
    case 'start':
      return {
        type: 'start',
        node: str(o.node) ? o.node : '?',
        threads: num(o.threads) ? o.threads : 0,
        t: num(o.t) ? o.t : 0,
      };
    case 'phase':
      if (!str(o.phase) || (o.state !== 'begin' && o.state !== 'end')) return null;
      return {
        type: 'phase',
        phase: o.phase,
        state: o.state,
        ...(num(o.ms) ? { ms: o.ms } : {}),
        t: num(o.t) ? o.t : 0,
      };
    case 'progress':
      if (!num(o.done)) return null;
      return { type: 'progress', done: o.done, total: num(o.total) ? o.total : null };
    case 'result': {
      if (!str(o.checksum)) return null;
      return {
        type: 'result',
        result: {
          checksum: o.checksum,
          verified: o.verified === true,
          metrics: isNumberRecord(o.metrics) ? o.metrics : {},
          peakRssBytes: num(o.peakRssBytes) ? o.peakRssBytes : 0,
          threads: num(o.threads) ? o.threads : 0,
          ms: isNumberRecord(o.ms) ? o.ms : {},
        },
      };
    }
    default:
      return null;
  }
}

function isNumberRecord(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && Object.values(v).every(num);
}
