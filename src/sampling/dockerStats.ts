// Docker stats frames: CPU and memory exactly as the docker CLI computes them.

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
}

export interface DockerCpu {
  /** host cores busy: cpuDelta / systemDelta * onlineCPUs (the CLI's CPU% / 100) */
  cores: number;
  userCores: number;
  systemCores: number;
  onlineCpus: number;
}

/** null for the first frame (empty precpu) or when no time passed. */
export function dockerCpu(frame: DockerStatsFrame): DockerCpu | null {
  const cur = frame.cpu_stats;
  const pre = frame.precpu_stats;
  const total = cur?.cpu_usage?.total_usage;
  const preTotal = pre?.cpu_usage?.total_usage;
  const system = cur?.system_cpu_usage;
  const preSystem = pre?.system_cpu_usage;
  if (total === undefined || system === undefined || !preTotal || !preSystem) return null;
  const cpuDelta = total - preTotal;
  const systemDelta = system - preSystem;
  if (systemDelta <= 0 || cpuDelta < 0) return null;
  const online = cur?.online_cpus || cur?.cpu_usage?.percpu_usage?.length || 1;
  const cores = (cpuDelta / systemDelta) * online;
  // User/kernel split from their own counters (coarser on cgroup v1), scaled to the total.
  const du = Math.max(0, (cur?.cpu_usage?.usage_in_usermode ?? 0) - (pre?.cpu_usage?.usage_in_usermode ?? 0));
  const dk = Math.max(0, (cur?.cpu_usage?.usage_in_kernelmode ?? 0) - (pre?.cpu_usage?.usage_in_kernelmode ?? 0));
  const userShare = du + dk > 0 ? du / (du + dk) : 1;
  return { cores, userCores: cores * userShare, systemCores: cores * (1 - userShare), onlineCpus: online };
}

/** usage minus inactive file cache: cgroup v2 `inactive_file`, v1 `total_inactive_file`. */
export function dockerMemory(
  frame: DockerStatsFrame,
): { usedBytes: number; cachedBytes: number | null; limitBytes: number | null } | null {
  const m = frame.memory_stats;
  if (!m || m.usage === undefined) return null;
  const stats = m.stats ?? {};
  let inactive = 0;
  if ('total_inactive_file' in stats) inactive = stats.total_inactive_file ?? 0;
  else if ('inactive_file' in stats) inactive = stats.inactive_file ?? 0;
  const used = inactive < m.usage ? m.usage - inactive : m.usage;
  const cached = stats.total_cache ?? stats.file ?? stats.cache ?? null;
  return { usedBytes: used, cachedBytes: cached, limitBytes: m.limit ?? null };
}
