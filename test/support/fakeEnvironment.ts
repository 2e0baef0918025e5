// A fake Environment whose workers are in-process and scripted: slow to provision,
// failing at provision or arm, never ready, dying mid-run, printing a wrong checksum,
// losing a sampler. It drives the orchestrator (executeRun, runExperiment) in fast unit
// tests; every call it receives is written to an event log for ordering assertions.
import path from 'node:path';
import { validateExperiment } from '../../src/compose/config.js';
import type { Experiment } from '../../src/config/schema.js';
import type { EnvironmentDescriptor } from '../../src/environments/descriptor.js';
import type {
  ArmedWorkload,
  Environment,
  Invocation,
  ProvisionRequest,
  WorkerExit,
  WorkerHandle,
} from '../../src/environments/types.js';
import type { Reading, Sampler } from '../../src/sampling/types.js';

/** How one worker behaves; `at` says which workers (by run and index) a script applies to. */
export interface WorkerScript {
  /** ms before provision resolves (the whole run's provision) */
  provisionMs?: number;
  /** provision rejects with this message */
  failProvision?: string;
  /** arm rejects with this message */
  failArm?: string;
  /** arm never resolves (no ready line) */
  neverReady?: boolean;
  /** ms from release to the result line and exit */
  runMs?: number;
  /** exits with this code and reason before printing a result */
  die?: { code: number | null; reason: string | null };
  /** never exits by itself (the run's deadline must end it) */
  hang?: boolean;
  checksum?: string;
  metrics?: Record<string, number>;
  /** its sampler reports an error once running */
  loseSampler?: boolean;
  /** its sampler cannot start (a connection that never finishes its handshake) */
  samplerStartFails?: string;
  /** its sampler's start takes this long (an engine's first stats frame) */
  samplerStartMs?: number;
  /** phase lines printed after release */
  phases?: string[];
  /** a serving worker that exits by itself this many ms after release (a server that dies mid-run) */
  serverDiesMs?: number;
}

export interface FakeOptions {
  name?: string;
  /** the script of a worker: by its run id (experimentId-run) and index; default: ok */
  script?: (runId: string, index: number) => WorkerScript;
  /** teardown rejects (for one run id, or every run) */
  failTeardown?: (runId: string) => boolean;
  /** answer of diagnose() after a hung run */
  diagnosis?: string | null;
  /** an event log shared between several fakes (ordering across backends); default: its own */
  events?: string[];
  /** called with every event as it is logged (a test interrupts at an exact point) */
  onEvent?: (event: string, all: readonly string[]) => void;
  /** prepare() rejects with this message (a backend that cannot open) */
  failPrepare?: string;
}

export const DEFAULT_METRICS = { burnMs: 12, napMs: 3 };

export class FakeEnvironment implements Environment {
  readonly name: string;
  readonly events: string[];
  /** workers alive (provisioned and not torn down), by run id */
  readonly alive = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly opts: FakeOptions = {}) {
    this.name = opts.name ?? 'fake';
    const events = opts.events ?? [];
    const push = events.push.bind(events);
    // every event also goes to onEvent, synchronously, as it happens
    events.push = (...items: string[]) => {
      const n = push(...items);
      for (const ev of items) opts.onEvent?.(ev, events);
      return n;
    };
    this.events = events;
  }

  async prepare(): Promise<void> {
    this.events.push(`prepare ${this.name}`);
    if (this.opts.failPrepare) throw new Error(this.opts.failPrepare);
  }
  async describe() {
    return { fake: true };
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    this.events.push(
      `provision ${req.runId} x${req.count}${req.onHost ? ' on the host' : ''}${req.join ? ` joining ${req.join.bridge}` : ''}`,
    );
    const scripts = Array.from({ length: req.count }, (_, i) => this.scriptOf(req.runId, i));
    const wait = Math.max(0, ...scripts.map((s) => s.provisionMs ?? 0));
    if (wait) await this.delay(wait, req.signal);
    const failed = scripts.find((s) => s.failProvision);
    if (failed) throw new Error(failed.failProvision);
    this.alive.set(req.runId, req.count);
    return scripts.map((s, i) => this.worker(req, i, s));
  }

  /** its run's segment: a bridge the roles placed on the host join */
  async segmentPort(runId: string) {
    this.events.push(`segmentPort ${this.name} ${runId}`);
    return { bridge: `br-${this.name}`, subnet: '10.0.0.0/24' };
  }

  async teardown(runId: string): Promise<void> {
    this.events.push(`teardown ${runId}${this.opts.name === undefined ? '' : ` (${this.name})`}`);
    this.alive.delete(runId);
    if (this.opts.failTeardown?.(runId)) throw new Error(`cannot remove the workers of ${runId}`);
  }

  async diagnose(): Promise<string | null> {
    this.events.push(`diagnose ${this.name}`);
    return this.opts.diagnosis ?? null;
  }

  async cleanExperiment(experimentId: string): Promise<string[]> {
    this.events.push(`cleanExperiment ${this.name} ${experimentId}`);
    return [];
  }

  async close(): Promise<void> {
    this.events.push(`close ${this.name}`);
    for (const t of this.timers) clearTimeout(t);
  }

  private scriptOf(runId: string, index: number): WorkerScript {
    return this.opts.script?.(runId, index) ?? {};
  }

  private delay(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private worker(req: ProvisionRequest, index: number, s: WorkerScript): WorkerHandle {
    const name = `${req.onHost ? 'host' : this.name}-${index}`;
    // a host endpoint takes an address from the top of the segment, as the real one does
    const address = req.join ? `10.0.0.${254 - index}` : `10.0.0.${index + 2}`;
    const env = this;
    return {
      name,
      allocation: req.allocation(index),
      limits: { cpus: req.allocation(index).cpus, memoryBytes: null, cpuset: null, via: 'fake' },
      bootS: null,
      arm(invocation: Invocation, onLine: (line: string) => void) {
        const role = invocation.args.find((a) => a.startsWith('--role='))?.slice(7);
        const peers = invocation.args.find((a) => a.startsWith('--peers='))?.slice(8);
        env.events.push(`arm ${name} ${invocation.entry}${role ? ` ${role}` : ''}${peers ? ` peers ${peers}` : ''}`);
        if (s.failArm) return Promise.reject(new Error(`${name}: ${s.failArm}`));
        if (s.neverReady) return new Promise<ArmedWorkload>(() => {});
        onLine(JSON.stringify({ type: 'ready', node: 'v20-fake' }));
        return Promise.resolve(invocation.serve ? env.serving(name, s, onLine) : env.armed(name, s, onLine));
      },
      address: () => (req.network === 'none' ? null : req.network === 'host' ? '127.0.0.1' : address),
      samplers: (intervalMs: number) => [
        new FakeSampler(name, intervalMs, s.loseSampler === true, s.samplerStartFails, s.samplerStartMs),
      ],
    };
  }

  private armed(name: string, s: WorkerScript, onLine: (line: string) => void): ArmedWorkload {
    let settle: (exit: WorkerExit) => void = () => {};
    const exit = new Promise<WorkerExit>((resolve) => {
      settle = resolve;
    });
    return {
      worker: name,
      release: () => {
        this.events.push(`release ${name}`);
        for (const p of s.phases ?? []) onLine(JSON.stringify({ type: 'phase', phase: p, state: 'begin' }));
        if (s.hang) return;
        void this.delay(s.runMs ?? 20).then(() => {
          if (s.die) return settle({ ...s.die, stderrTail: 'killed' });
          const metrics = s.metrics ?? DEFAULT_METRICS;
          onLine(JSON.stringify({ type: 'result', checksum: s.checksum ?? 'c0ffee', verified: true, metrics }));
          settle({ code: 0, reason: null, stderrTail: '' });
        });
      },
      stop: () => {},
      exit,
      kill: async () => {
        this.events.push(`kill ${name}`);
        settle({ code: null, reason: 'killed by the harness', stderrTail: '' });
      },
    };
  }

  /** A server: serves from arm until told to stop, then prints its result and exits. */
  private serving(name: string, s: WorkerScript, onLine: (line: string) => void): ArmedWorkload {
    let settle: (exit: WorkerExit) => void = () => {};
    const exit = new Promise<WorkerExit>((resolve) => {
      settle = resolve;
    });
    return {
      worker: name,
      release: () => {
        this.events.push(`release ${name}`);
        if (s.serverDiesMs !== undefined)
          void this.delay(s.serverDiesMs).then(() => settle({ code: 1, reason: 'exit code 1', stderrTail: 'crashed' }));
      },
      stop: () => {
        this.events.push(`stop ${name}`);
        onLine(JSON.stringify({ type: 'result', checksum: 'served', verified: true, metrics: { served: 1 } }));
        settle({ code: 0, reason: null, stderrTail: '' });
      },
      exit,
      kill: async () => {
        this.events.push(`kill ${name}`);
        settle({ code: null, reason: 'killed by the harness', stderrTail: '' });
      },
    };
  }
}

/** A sampler reading a constant 50% every interval; or one that fails once started. */
export class FakeSampler implements Sampler {
  /** starts in progress now, and the most there were at once (reset by the test) */
  static starting = 0;
  static mostStarting = 0;
  readonly source = 'process' as const;
  readonly formula = 'fake: 50% user every interval';
  private timer: NodeJS.Timeout | null = null;
  constructor(
    readonly worker: string,
    private readonly intervalMs: number,
    private readonly lose: boolean,
    private readonly startFails?: string,
    private readonly startMs = 0,
  ) {}
  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    if (this.startFails) throw new Error(this.startFails);
    FakeSampler.mostStarting = Math.max(FakeSampler.mostStarting, ++FakeSampler.starting);
    if (this.startMs) await new Promise((r) => setTimeout(r, this.startMs));
    FakeSampler.starting--;
    if (this.lose) {
      setImmediate(() => onError(new Error('connection lost')));
      return;
    }
    const read = () =>
      onReading({
        at: Date.now(),
        user: 50,
        system: 0,
        iowait: null,
        steal: null,
        idle: null,
        cores: 0.5,
        allocCpus: 1,
        memUsedBytes: 1e6,
        memCachedBytes: null,
        memLimitBytes: null,
      });
    read();
    this.timer = setInterval(read, this.intervalMs);
  }
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }
}

/** A descriptor for runExperiment: the given fake backend, no image; `hostSide`: it runs the roles placed on the host. */
export function fakeDescriptor(env: FakeEnvironment, hostSide = false): EnvironmentDescriptor {
  return {
    ...(hostSide ? { hostSide: true } : {}),
    name: env.name,
    description: 'in-process fake workers',
    view: {
      label: `Fake (${env.name})`,
      short: env.name,
      kind: 'container',
      color: '#777777',
      workerSource: 'process',
    },
    inDefault: false,
    networks: ['none', 'bridge', 'host'],
    hostCost: { threads: 1, mib: 1 },
    config: undefined as never,
    needsImage: () => false,
    create: async () => env,
    leftovers: async () => [],
    clean: async () => [],
  };
}

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/workloads');

/** A small experiment of the fixture workload over fake environments: no canary, no host sampler, short timeouts. */
export function fakeExperiment(envs: string[], outputDir: string, over: Record<string, unknown> = {}): Experiment {
  const e = validateExperiment(
    {
      name: 'fake',
      workloads: [{ name: 'fixture' }],
      workloadDirs: [FIXTURES],
      instances: [1],
      repetitions: 1,
      sampling: { intervalMs: 50, settleMs: 0, host: false },
      canary: false,
      timeouts: { provisionS: 1, runS: 1, teardownS: 1 },
      output: { dir: outputDir },
      ...over,
    },
    'test',
  );
  return { ...e, environments: envs };
}
