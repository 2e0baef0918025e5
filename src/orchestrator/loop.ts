// The runs of an experiment, one after another: the plan, then with `adaptive` set more
// rounds for the cells whose interval is still too wide. Each run's record is appended
// as it ends, its samples compacted, and a progress line with the time left printed.
import os from 'node:os';
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { Environment } from '../environments/types.js';
import type { CanaryProbe, RunRecord, SampleRecord } from '../results/types.js';
import type { ResolvedWorkload } from '../workload/manifest.js';
import { blockKey, probeCanary } from './canary.js';
import { adaptiveRound, type CellPrecision, cellPrecision, type PlannedRun, planRuns } from './plan.js';
import { estimateRemainingS, formatDuration } from './progress.js';
import { executeRun } from './runRun.js';

export interface LoopContext {
  experiment: Experiment;
  workloads: readonly ResolvedWorkload[];
  environments: ReadonlyMap<string, Environment>;
  /** where roles placed on the host run (native processes); null when no workload places one there */
  hostSide?: Environment | null;
  dir: string;
  experimentId: string;
  signal: AbortSignal;
  log: (message: string) => void;
  onSamples: (rows: SampleRecord[]) => void;
  /** after each run: its record is appended, its samples compacted */
  afterRun: (rec: RunRecord) => Promise<void>;
  formulas: Map<string, string>;
}

export class RunLoop {
  readonly runs: RunRecord[] = [];
  private planned = 0;
  private queue: readonly PlannedRun[] = [];
  private readonly wallTimes: { env: string; seconds: number }[] = [];
  private readonly references = new Map<string, string>();
  private readonly hostCpus = os.availableParallelism();
  private block: { key: string; probe: CanaryProbe | null } | null = null;

  constructor(private readonly c: LoopContext) {}

  /** The plan, then the adaptive rounds; stops between runs once the signal aborts. */
  async runAll(): Promise<void> {
    const plan = planRuns(this.c.experiment);
    this.planned = plan.length;
    await this.runQueue(plan);
    for (let round = 1; this.c.experiment.adaptive && !this.c.signal.aborted; round++) {
      const extra = this.adaptiveExtra(round);
      if (extra.length === 0) break;
      this.planned += extra.length;
      await this.runQueue(extra);
    }
    const outcome = this.adaptiveOutcome();
    if (outcome && !this.c.signal.aborted) this.c.log(outcome);
  }

  /** Each measured cell's interval so far (summary.json's `adaptive`). */
  precision(): CellPrecision[] {
    const multi = this.c.workloads.length > 1;
    const measured = this.runs
      .filter((r) => !r.warmup)
      .map((r) => ({
        workload: multi ? (r.workload ?? null) : null,
        env: r.env,
        instances: r.instances,
        makespanS: r.makespanS,
        ok: r.status === 'ok',
      }));
    return cellPrecision(this.c.experiment, measured);
  }

  private async runQueue(queue: readonly PlannedRun[]): Promise<void> {
    this.queue = queue;
    for (const p of queue) {
      if (this.c.signal.aborted) break;
      await this.execute(p);
    }
  }

  /** The next adaptive round (empty: every cell met its target or its cap), announced. */
  private adaptiveExtra(round: number): PlannedRun[] {
    const e = this.c.experiment;
    const cells = this.precision();
    const extra = adaptiveRound(e, cells, this.planned, round);
    if (extra.length === 0) return extra;
    const wide = cells.filter((c) =>
      extra.some((x) => x.workload === c.workload && x.env === c.env && x.instances === c.instances),
    );
    this.c.log(`adaptive: one more round for ${wide.map(precisionText).join(', ')}; target ${targetText(e)}`);
    return extra;
  }

  /** After the adaptive rounds: which cells reached the target and which stopped at the cap. */
  adaptiveOutcome(): string | null {
    const e = this.c.experiment;
    if (!e.adaptive) return null;
    const cells = this.precision();
    const short = cells.filter((c) => !c.met);
    const reached = `${cells.length - short.length} of ${cells.length} cell(s) reached ${targetText(e)}`;
    if (!short.length) return `adaptive: ${reached}`;
    const cap = Math.max(e.adaptive.maxRepetitions, e.repetitions);
    return `adaptive: ${reached}; stopped at the cap of ${cap} runs: ${short.map(precisionText).join(', ')}`;
  }

  private async execute(p: PlannedRun): Promise<void> {
    const { c } = this;
    const startedAt = Date.now();
    const prefix = `[${p.index + 1}/${this.planned}${c.experiment.adaptive ? '+' : ''}]`;
    const workload = c.workloads.find((w) => w.id === p.workload) ?? c.workloads[0]!;
    const probe = await this.canaryOf(p);
    const rec = await executeRun(
      {
        experiment: c.experiment,
        workload,
        hostCpus: this.hostCpus,
        signal: c.signal,
        references: this.references,
        formulas: c.formulas,
        artifactsDir: path.join(c.dir, 'artifacts'),
        experimentId: c.experimentId,
        onSamples: c.onSamples,
        onProgress: (m) => c.log(`${prefix} ${m}`),
        hostSide: c.hostSide ?? null,
      },
      c.environments.get(p.env)!,
      p,
    );
    if (probe) rec.canary = probe;
    this.runs.push(rec);
    await c.afterRun(rec);
    this.wallTimes.push({ env: p.env, seconds: (Date.now() - startedAt) / 1000 });
    c.log(`${prefix} ${rec.run}${rec.warmup ? ' (warm-up)' : ''}: ${outcomeText(rec)}${this.etaText(p)}`);
  }

  /** The canary of the run's block: probed when a new block starts, null when off or it could not run. */
  private async canaryOf(p: PlannedRun): Promise<CanaryProbe | null> {
    if (!this.c.experiment.canary) return null;
    const key = blockKey(p);
    if (this.block?.key === key) return this.block.probe;
    const got = await probeCanary(0, this.c.signal);
    if (typeof got === 'string' && this.block?.probe !== null)
      this.c.log(`drift canary: could not run (${got}); runs go on without it`);
    this.block = { key, probe: typeof got === 'string' ? null : got };
    return this.block.probe;
  }

  private etaText(p: PlannedRun): string {
    const left = this.queue.filter((q) => q.index > p.index);
    const eta = estimateRemainingS(this.wallTimes, left);
    return left.length && eta !== null ? ` — ${left.length} run(s) left, about ${formatDuration(eta)}` : '';
  }
}

function targetText(e: Experiment): string {
  const a = e.adaptive!;
  return [
    a.targetCiPct !== undefined ? `±${a.targetCiPct}% interval` : null,
    a.targetMdePct !== undefined ? `${a.targetMdePct}% detectable` : null,
  ]
    .filter(Boolean)
    .join(' and ');
}

function precisionText(c: CellPrecision): string {
  const pct = (x: number | null, digits: number) => (x === null ? '?' : `${x.toFixed(digits)}%`);
  return `${c.workload ? `${c.workload} ` : ''}${c.env} x${c.instances} (±${pct(c.halfWidthPct, 1)}, detectable ${pct(c.mdePct, 0)} after ${c.ok})`;
}

function outcomeText(rec: RunRecord): string {
  return rec.status === 'ok' ? `ok, makespan ${rec.makespanS?.toFixed(3)} s` : `${rec.status}: ${rec.reason}`;
}
