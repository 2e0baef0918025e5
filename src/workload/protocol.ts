// The JSON lines a workload prints on stdout, parsed without trusting them.

export type PhaseName = string;

export type WorkloadEvent =
  | { type: 'ready'; node: string; t: number }
  | { type: 'start'; node: string; threads: number; t: number }
  | { type: 'phase'; phase: PhaseName; state: 'begin' | 'end'; ms?: number; t: number }
  | { type: 'iteration'; index: number; delta: number; ms: number }
  | { type: 'result'; result: WorkloadResult };

/**
 * A workload's result line. `checksum` (with `verified`) is what every workload must
 * give; `metrics` holds whatever the workload measures (name → number); the graph
 * fields are PageRank's, null for other workloads.
 */
export interface WorkloadResult {
  vertices: number | null;
  edges: number | null;
  iterations: number | null;
  metrics: Record<string, number>;
  checksum: string;
  rankSum: number;
  verified: boolean;
  edgesPerSecond: number | null;
  msPerIteration: number;
  peakRssBytes: number;
  threads: number;
  ms: Record<string, number>;
  top: { vertex: number; rank: number }[];
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
    case 'iteration':
      if (!num(o.index) || !num(o.delta) || !num(o.ms)) return null;
      return { type: 'iteration', index: o.index, delta: o.delta, ms: o.ms };
    case 'result': {
      if (!str(o.checksum)) return null;
      return {
        type: 'result',
        result: {
          vertices: num(o.vertices) ? o.vertices : null,
          edges: num(o.edges) ? o.edges : null,
          iterations: num(o.iterations) ? o.iterations : null,
          metrics: isNumberRecord(o.metrics) ? o.metrics : {},
          checksum: o.checksum,
          rankSum: num(o.rankSum) ? o.rankSum : Number.NaN,
          verified: o.verified === true,
          edgesPerSecond: num(o.edgesPerSecond) ? o.edgesPerSecond : null,
          msPerIteration: num(o.msPerIteration) ? o.msPerIteration : Number.NaN,
          peakRssBytes: num(o.peakRssBytes) ? o.peakRssBytes : 0,
          threads: num(o.threads) ? o.threads : 0,
          ms: isNumberRecord(o.ms) ? o.ms : {},
          top: Array.isArray(o.top) ? (o.top as { vertex: number; rank: number }[]).slice(0, 10) : [],
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

/** Splits a byte stream into lines across chunk boundaries. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const text = this.rest + chunk.toString();
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.onLine(l);
  }
  end(): void {
    if (this.rest.length > 0) this.onLine(this.rest);
    this.rest = '';
  }
}
