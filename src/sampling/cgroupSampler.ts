import fs from 'node:fs/promises';
import { type CgroupCpu, type CgroupPaths, cpuV1, cpuV2, memoryUsed } from './cgroup.js';
import { Ticker } from './ticker.js';
import type { Reading, Sampler } from './types.js';

const readOrNull = (p: string) => fs.readFile(p, 'utf8').catch(() => null);

/**
 * A local container's cgroup files, read at the experiment's interval (the
 * Docker stats stream only comes once a second). cores = CPU time delta / wall
 * time delta; % of the container's --cpus.
 */
export class CgroupSampler implements Sampler {
  readonly source = 'cgroup' as const;
  readonly formula: string;
  private ticker: Ticker | null = null;

  constructor(
    readonly worker: string,
    private readonly paths: CgroupPaths,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
  ) {
    this.formula = `cgroup v${paths.version} CPU time delta / wall time delta, % of --cpus ${allocCpus}; user/system from the cgroup's own split; memory = usage - inactive_file`;
  }

  private async readCpu(): Promise<CgroupCpu> {
    const d = this.paths.cpu;
    if (this.paths.version === 2) return cpuV2(await fs.readFile(`${d}/cpu.stat`, 'utf8'));
    const [usage, user, sys, stat] = await Promise.all([
      fs.readFile(`${d}/cpuacct.usage`, 'utf8'),
      readOrNull(`${d}/cpuacct.usage_user`),
      readOrNull(`${d}/cpuacct.usage_sys`),
      readOrNull(`${d}/cpuacct.stat`),
    ]);
    return cpuV1(usage, user, sys, stat);
  }

  private async readMemory() {
    const d = this.paths.memory;
    const v1 = this.paths.version === 1;
    const [usage, stat, limit] = await Promise.all([
      fs.readFile(`${d}/${v1 ? 'memory.usage_in_bytes' : 'memory.current'}`, 'utf8'),
      fs.readFile(`${d}/memory.stat`, 'utf8'),
      readOrNull(`${d}/${v1 ? 'memory.limit_in_bytes' : 'memory.max'}`),
    ]);
    return memoryUsed(this.paths.version, usage, stat, limit);
  }

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    let prev = { at: performance.now(), cpu: await this.readCpu() };
    this.ticker = new Ticker(this.intervalMs, async () => {
      let cpu: CgroupCpu;
      let mem: Awaited<ReturnType<CgroupSampler['readMemory']>>;
      try {
        [cpu, mem] = await Promise.all([this.readCpu(), this.readMemory()]);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
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
      });
    });
    this.ticker.start();
  }

  async stop(): Promise<void> {
    this.ticker?.stop();
    this.ticker = null;
  }
}
