// The samples of one run: every sampler's readings become sample rows; rows that arrive
// before the barrier wait in memory until t = 0 is known, then go out with their time
// relative to it. Sampler errors are kept (the first five) to be named in the record.
import type { SampleRecord } from '../results/types.js';
import type { Reading, Sampler } from '../sampling/types.js';

export interface RunIdentity {
  run: string;
  workload: string;
  env: string;
  instances: number;
  repetition: number;
}

type Row = SampleRecord & { at: number };

/** One reading as a sample row of this run; t is filled in once the barrier time is known. */
export function sampleRow(id: RunIdentity, s: Pick<Sampler, 'worker' | 'source'>, r: Reading): Row {
  return {
    ...id,
    worker: s.worker,
    source: s.source,
    t: 0,
    user: r.user,
    system: r.system,
    iowait: r.iowait,
    steal: r.steal,
    idle: r.idle,
    cores: r.cores,
    allocCpus: r.allocCpus,
    memUsedBytes: r.memUsedBytes,
    memCachedBytes: r.memCachedBytes,
    memLimitBytes: r.memLimitBytes,
    gapS: r.gapS ?? null,
    memPssBytes: r.memPssBytes ?? null,
    memUssBytes: r.memUssBytes ?? null,
    netRxBytes: r.netRxBytes ?? null,
    netTxBytes: r.netTxBytes ?? null,
    netRxPackets: r.netRxPackets ?? null,
    netTxPackets: r.netTxPackets ?? null,
    at: r.at,
  };
}

export class RunSamples {
  private t0: number | null = null;
  private readonly pending: Row[] = [];
  private readonly samplers: Sampler[] = [];
  readonly errors: string[] = [];

  constructor(
    private readonly id: RunIdentity,
    private readonly onSamples: (rows: SampleRecord[]) => void,
    /** every sampler's formula, kept for experiment.json: "host", or "<env> <source>" */
    private readonly formulas?: Map<string, string>,
  ) {}

  /** the barrier time (harness clock, ms), once the workers are released */
  get barrier(): number | null {
    return this.t0;
  }

  async start(s: Sampler): Promise<void> {
    this.samplers.push(s);
    const key = s.source === 'host' ? 'host' : `${this.id.env} ${s.source}`;
    if (this.formulas && !this.formulas.has(key)) this.formulas.set(key, s.formula);
    const noteError = (err: Error) => {
      if (this.errors.length < 5) this.errors.push(`${s.worker}/${s.source}: ${err.message}`);
    };
    // a sampler that cannot start (its connection refused, a handshake that never ends)
    // costs its samples, not the run: the workload's own fate decides the run
    await s
      .start((r) => this.emit(sampleRow(this.id, s, r)), noteError)
      .catch((err: Error) => noteError(new Error(`could not start: ${err.message}`)));
  }

  /** t = 0: the rows held so far go out relative to it. */
  release(t0: number): void {
    this.t0 = t0;
    for (const row of this.pending.splice(0)) this.emit(row);
  }

  /** Stops every sampler; a run never released keeps its samples, times relative to now. */
  async stop(): Promise<void> {
    await Promise.all(this.samplers.map((s) => s.stop().catch(() => {})));
    if (this.t0 === null && this.pending.length) this.release(Date.now());
  }

  private emit(row: Row): void {
    if (this.t0 === null) {
      this.pending.push(row);
      return;
    }
    const { at, ...rest } = row;
    this.onSamples([{ ...rest, t: (at - this.t0) / 1000 }]);
  }
}
