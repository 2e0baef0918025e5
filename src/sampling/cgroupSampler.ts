import { type CgroupCpu, type CgroupPaths, cpuV1, cpuV2, memoryUsed } from './cgroup.js';
import { NET_FORMULA, NetDevCounter } from './netdev.js';
import { isGone, ProcessFiles, ProcFile } from './procFile.js';
import { MemoryCadence, parseProcs, parseSmapsRollup, sumMemory, type WorkloadMemory } from './smaps.js';
import { Ticker } from './ticker.js';
import type { Reading, Sampler } from './types.js';

/** The accounting files of one cgroup, kept open for the run. */
class CgroupFiles {
  private readonly files: ProcFile[] = [];
  readonly cpu: () => CgroupCpu;
  readonly memory: () => ReturnType<typeof memoryUsed>;
  /** PSS/USS summed over the processes in the cgroup; `usage` (read each tick) triggers an early read */
  readonly workload: (usage: number | null) => WorkloadMemory | null;
  private readonly smaps = new ProcessFiles('smaps_rollup');

  constructor(paths: CgroupPaths, memoryIntervalMs: number) {
    const cadence = new MemoryCadence(memoryIntervalMs);
    const open = (p: string, size = 4096) => {
      const f = new ProcFile(p, size);
      this.files.push(f);
      return f;
    };
    const c = paths.cpu;
    const m = paths.memory;
    if (paths.version === 2) {
      const stat = open(`${c}/cpu.stat`);
      this.cpu = () => cpuV2(stat.read());
    } else {
      const [usage, user, sys, stat] = ['usage', 'usage_user', 'usage_sys', 'stat'].map((f) =>
        open(`${c}/cpuacct.${f}`),
      );
      this.cpu = () => cpuV1(usage!.read(), user!.readOrNull(), sys!.readOrNull(), stat!.readOrNull());
    }
    const v1 = paths.version === 1;
    const usage = open(`${m}/${v1 ? 'memory.usage_in_bytes' : 'memory.current'}`);
    const stat = open(`${m}/memory.stat`, 16_384);
    // the limit is set at creation and never changes during a run: read it once
    const limit = open(`${m}/${v1 ? 'memory.limit_in_bytes' : 'memory.max'}`).readOrNull();
    this.memory = () => memoryUsed(paths.version, usage.read(), stat.read(), limit);
    const procs = open(`${m}/cgroup.procs`);
    this.workload = (usage) =>
      cadence.value(() => sumMemory(this.smaps.read(parseProcs(procs.read())).map(parseSmapsRollup)), usage);
  }

  close(): void {
    for (const f of this.files) f.close();
    this.smaps.close();
  }
}

/**
 * A local container's cgroup files, read at the experiment's interval (the
 * Docker stats API gives a frame at most every 250 ms). cores = CPU time delta / wall
 * time delta; % of the container's --cpus.
 */
export class CgroupSampler implements Sampler {
  readonly source = 'cgroup' as const;
  formula: string;
  private ticker: Ticker | null = null;
  private files: CgroupFiles | null = null;
  private net: NetDevCounter | null = null;
  private netPid: number | null = null;

  constructor(
    readonly worker: string,
    private readonly paths: CgroupPaths,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
    private readonly memoryIntervalMs = 2000,
  ) {
    this.formula = `cgroup v${paths.version} CPU time delta / wall time delta, % of --cpus ${allocCpus}; user/system from the cgroup's own split; memory = usage - inactive_file`;
  }

  /** The container has a network namespace of its own (through its init `pid`): its traffic goes in the readings. */
  countNetwork(pid: number): this {
    this.netPid = pid;
    this.formula = `${this.formula}; ${NET_FORMULA}`;
    return this;
  }

  /** The traffic since the last tick; nothing once the container (and its namespace) is gone. */
  private netDelta() {
    try {
      return this.net?.next() ?? {};
    } catch {
      return {};
    }
  }

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    if (this.netPid !== null) {
      this.net = new NetDevCounter(this.netPid);
      this.netDelta();
    }
    const files = new CgroupFiles(this.paths, this.memoryIntervalMs);
    this.files = files;
    let prev = { at: performance.now(), cpu: files.cpu() };
    this.ticker = new Ticker(this.intervalMs, () => {
      let cpu: CgroupCpu;
      let mem: ReturnType<typeof memoryUsed>;
      let workload: WorkloadMemory | null;
      try {
        cpu = files.cpu();
        mem = files.memory();
        workload = files.workload(mem.usedBytes);
      } catch (err) {
        if (isGone(err)) {
          this.ticker?.stop(); // the container is gone: its cgroup went with it
          return;
        }
        onError(err as Error);
        return;
      }
      const now = performance.now();
      const wallNs = (now - prev.at) * 1e6;
      if (wallNs <= 0) return;
      const cores = Math.max(0, cpu.totalNs - prev.cpu.totalNs) / wallNs;
      const du = Math.max(0, cpu.userNs - prev.cpu.userNs);
      const ds = Math.max(0, cpu.systemNs - prev.cpu.systemNs);
      const userShare = du + ds > 0 ? du / (du + ds) : 1;
      prev = { at: now, cpu };
      const pct = (c: number) => (100 * c) / this.allocCpus;
      onReading({
        at: Date.now(),
        user: pct(cores * userShare),
        system: pct(cores * (1 - userShare)),
        iowait: null,
        steal: null,
        idle: Math.max(0, 100 - pct(cores)),
        cores,
        allocCpus: this.allocCpus,
        memUsedBytes: mem.usedBytes,
        memCachedBytes: mem.cachedBytes,
        memLimitBytes: mem.limitBytes,
        memPssBytes: workload?.pssBytes ?? null,
        memUssBytes: workload?.ussBytes ?? null,
        ...this.netDelta(),
      });
    });
    this.ticker.start();
  }

  async stop(): Promise<void> {
    this.ticker?.stop();
    this.ticker = null;
    this.files?.close();
    this.files = null;
    this.net?.close();
    this.net = null;
  }
}
