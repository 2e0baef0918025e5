// Docker stats frames: CPU and memory exactly as the docker CLI computes them.
import type { NetTotals } from './netdev.js';

export interface DockerStatsFrame {
  read?: string;
  cpu_stats?: {
    cpu_usage?: {
      total_usage?: number;
      usage_in_usermode?: number;
      usage_in_kernelmode?: number;
      percpu_usage?: number[];
    };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: DockerStatsFrame['cpu_stats'];
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  /** per interface of the container: what it received and sent since it started */
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number; rx_packets?: number; tx_packets?: number }>;
}

/** A frame's network counters summed over the container's interfaces; null when it has none. Pure. */
export function dockerNetTotals(frame: DockerStatsFrame): NetTotals | null {
  const nets = obj(obj(frame).networks);
  const ifaces = Object.values(nets).map(obj);
  if (!ifaces.length) return null;
  const sum = (k: string) => ifaces.reduce((a, n) => a + (num(n[k]) ?? 0), 0);
  return {
    rxBytes: sum('rx_bytes'),
    txBytes: sum('tx_bytes'),
    rxPackets: sum('rx_packets'),
    txPackets: sum('tx_packets'),
  };
}

export interface DockerCpu {
  /** host cores busy: cpuDelta / systemDelta * onlineCPUs (the CLI's CPU% / 100) */
  cores: number;
  userCores: number;
  systemCores: number;
  onlineCpus: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

/** null for the first frame (empty precpu), when no time passed, or for a frame that is not one. */
export function dockerCpu(frame: DockerStatsFrame): DockerCpu | null {
  const f = obj(frame);
  const cur = obj(f.cpu_stats);
  const pre = obj(f.precpu_stats);
  const curUsage = obj(cur.cpu_usage);
  const preUsage = obj(pre.cpu_usage);
  const total = num(curUsage.total_usage);
  const preTotal = num(preUsage.total_usage);
  const system = num(cur.system_cpu_usage);
  const preSystem = num(pre.system_cpu_usage);
  if (total === undefined || system === undefined || !preTotal || !preSystem) return null;
  const cpuDelta = total - preTotal;
  const systemDelta = system - preSystem;
  if (systemDelta <= 0 || cpuDelta < 0) return null;
  const percpu = curUsage.percpu_usage;
  const online = num(cur.online_cpus) || (Array.isArray(percpu) ? percpu.length : 0) || 1;
  const cores = (cpuDelta / systemDelta) * online;
  // User/kernel split from their own counters (coarser on cgroup v1), scaled to the total.
  const du = Math.max(0, (num(curUsage.usage_in_usermode) ?? 0) - (num(preUsage.usage_in_usermode) ?? 0));
  const dk = Math.max(0, (num(curUsage.usage_in_kernelmode) ?? 0) - (num(preUsage.usage_in_kernelmode) ?? 0));
  const userShare = du + dk > 0 ? du / (du + dk) : 1;
  return { cores, userCores: cores * userShare, systemCores: cores * (1 - userShare), onlineCpus: online };
}

/** usage minus inactive file cache: cgroup v2 `inactive_file`, v1 `total_inactive_file`. */
export function dockerMemory(
  frame: DockerStatsFrame,
): { usedBytes: number; cachedBytes: number | null; limitBytes: number | null } | null {
  const m = obj(obj(frame).memory_stats);
  const usage = num(m.usage);
  if (usage === undefined) return null;
  const stats = obj(m.stats);
  const inactive = num(stats.total_inactive_file) ?? num(stats.inactive_file) ?? 0;
  const used = inactive < usage ? usage - inactive : usage;
  const cached = num(stats.total_cache) ?? num(stats.file) ?? num(stats.cache) ?? null;
  return { usedBytes: used, cachedBytes: cached, limitBytes: num(m.limit) ?? null };
}
