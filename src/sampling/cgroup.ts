// cgroup accounting files of one container: where they are and what they say.
// Pure functions over file contents; the sampler does the reading.

export interface CgroupPaths {
  version: 1 | 2;
  cpu: string; // cpuacct (v1) or the unified dir (v2)
  memory: string;
}

/**
 * Directories of a process's cgroups from /proc/<pid>/cgroup, given the mount root.
 * v1 controllers win when present (hybrid hosts also list an empty `0::` line).
 */
export function cgroupPaths(
  procCgroup: string,
  exists: (p: string) => boolean,
  root = '/sys/fs/cgroup',
): CgroupPaths | null {
  const v1 = new Map<string, string>();
  let unified: string | null = null;
  for (const line of procCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') unified = m[3]!;
    else for (const c of m[2]!.split(',')) v1.set(c, m[3]!);
  }
  const acct = v1.get('cpuacct');
  const mem = v1.get('memory');
  if (acct !== undefined && mem !== undefined) {
    const cpu = [`${root}/cpuacct${acct}`, `${root}/cpu,cpuacct${acct}`].find((p) => exists(`${p}/cpuacct.usage`));
    const memory = `${root}/memory${mem}`;
    if (cpu && exists(`${memory}/memory.usage_in_bytes`)) return { version: 1, cpu, memory };
  }
  if (unified !== null) {
    const dir = `${root}${unified === '/' ? '' : unified}`;
    if (exists(`${dir}/cpu.stat`)) return { version: 2, cpu: dir, memory: dir };
  }
  return null;
}

/** "key value" lines (cpu.stat, memory.stat, cpuacct.stat). */
export function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && Number.isFinite(Number(v))) out.set(k, Number(v));
  }
  return out;
}

export interface CgroupCpu {
  totalNs: number;
  userNs: number;
  systemNs: number;
}

/** v1: cpuacct.usage (+ usage_user / usage_sys, or cpuacct.stat ticks for the split). */
export function cpuV1(
  usage: string,
  usageUser: string | null,
  usageSys: string | null,
  stat: string | null,
): CgroupCpu {
  const totalNs = Number(usage.trim());
  if (usageUser !== null && usageSys !== null)
    return { totalNs, userNs: Number(usageUser.trim()), systemNs: Number(usageSys.trim()) };
  const kv = keyValues(stat ?? '');
  const u = kv.get('user') ?? 0;
  const s = kv.get('system') ?? 0;
  return {
    totalNs,
    userNs: u + s > 0 ? (totalNs * u) / (u + s) : totalNs,
    systemNs: u + s > 0 ? (totalNs * s) / (u + s) : 0,
  };
}

/** v2: cpu.stat in microseconds. */
export function cpuV2(cpuStat: string): CgroupCpu {
  const kv = keyValues(cpuStat);
  return {
    totalNs: (kv.get('usage_usec') ?? 0) * 1000,
    userNs: (kv.get('user_usec') ?? 0) * 1000,
    systemNs: (kv.get('system_usec') ?? 0) * 1000,
  };
}

/** Memory as the docker CLI reports it: usage minus inactive file cache. */
export function memoryUsed(version: 1 | 2, usage: string, stat: string, limit: string | null) {
  const kv = keyValues(stat);
  const u = Number(usage.trim());
  const inactive = version === 1 ? (kv.get('total_inactive_file') ?? 0) : (kv.get('inactive_file') ?? 0);
  const cached = version === 1 ? (kv.get('total_cache') ?? null) : (kv.get('file') ?? null);
  const lim = limit === null || limit.trim() === 'max' ? null : Number(limit.trim());
  return {
    usedBytes: inactive < u ? u - inactive : u,
    cachedBytes: cached,
    limitBytes: lim !== null && lim < 2 ** 60 ? lim : null,
  };
}
