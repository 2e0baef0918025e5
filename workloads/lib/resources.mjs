// What this process may use: CPUs and memory, honouring cgroup v1 and v2 limits,
// so a container started with --cpus 1 runs one thread by default.
import fs from 'node:fs';
import os from 'node:os';

function read(path) {
  try {
    return fs.readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

export function cgroupCpuLimit() {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2) {
    const [quota, period] = v2.split(/\s+/);
    if (quota !== 'max' && Number(period) > 0) return Number(quota) / Number(period);
  }
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  if (quota > 0 && period > 0) return quota / period;
  return null;
}

export function usableCpus() {
  const affinity = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const limit = cgroupCpuLimit();
  return Math.max(1, limit === null ? affinity : Math.min(affinity, Math.ceil(limit)));
}

export function memoryLimitBytes() {
  const candidates = [os.totalmem()];
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    const v = Number(read(path));
    if (Number.isFinite(v) && v > 0) candidates.push(v);
  }
  return Math.min(...candidates);
}

/**
 * This process's peak resident memory. VmHWM, not getrusage's maxRSS: Linux carries
 * maxRSS over from the parent through fork and exec, so a worker started by a large
 * process (the harness's node, for native workers) would report the parent's peak.
 */
export function peakRssBytes() {
  const kib = /^VmHWM:\s+(\d+)\s+kB$/m.exec(read('/proc/self/status') ?? '')?.[1];
  return kib ? Number(kib) * 1024 : process.resourceUsage().maxRSS * 1024;
}
