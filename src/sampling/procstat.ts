// /proc/stat and /proc/meminfo: parsing and the delta math, as pure functions.

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStat {
  total: CpuTimes;
  cpus: number; // number of per-CPU lines
}

const FIELDS: (keyof CpuTimes)[] = [
  'user',
  'nice',
  'system',
  'idle',
  'iowait',
  'irq',
  'softirq',
  'steal',
  'guest',
  'guestNice',
];

export class ParseError extends Error {}

/** Parses the aggregate `cpu` line and counts the `cpuN` lines. Missing trailing fields are 0 (old kernels). */
export function parseProcStat(text: string): ProcStat {
  let total: CpuTimes | null = null;
  let cpus = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const parts = line.trim().split(/\s+/);
    const label = parts[0]!;
    if (label === 'cpu') {
      const values = parts.slice(1).map(Number);
      if (values.length < 4 || values.some((v) => !Number.isFinite(v) || v < 0)) {
        throw new ParseError(`garbled /proc/stat cpu line: ${JSON.stringify(line.slice(0, 120))}`);
      }
      total = Object.fromEntries(FIELDS.map((f, i) => [f, values[i] ?? 0])) as unknown as CpuTimes;
    } else if (/^cpu\d+$/.test(label)) {
      cpus++;
    }
  }
  if (!total) throw new ParseError('no aggregate cpu line in /proc/stat');
  return { total, cpus: Math.max(cpus, 1) };
}

export interface CpuShares {
  user: number;
  system: number;
  iowait: number;
  steal: number;
  idle: number;
  /** ticks elapsed over all CPUs */
  ticks: number;
}

/**
 * Percent shares between two reads. guest and guest_nice are already inside user
 * and nice, so they are not added again; a counter that went backwards counts 0.
 */
export function cpuShares(prev: CpuTimes, cur: CpuTimes): CpuShares {
  const d = (k: keyof CpuTimes) => Math.max(0, cur[k] - prev[k]);
  const user = d('user') + d('nice');
  const system = d('system') + d('irq') + d('softirq');
  const idle = d('idle');
  const iowait = d('iowait');
  const steal = d('steal');
  const ticks = user + system + idle + iowait + steal;
  if (ticks === 0) return { user: 0, system: 0, iowait: 0, steal: 0, idle: 100, ticks: 0 };
  const pct = (x: number) => (100 * x) / ticks;
  return { user: pct(user), system: pct(system), iowait: pct(iowait), steal: pct(steal), idle: pct(idle), ticks };
}

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
  usedBytes: number;
  cachedBytes: number;
  freeBytes: number;
}

/** used = MemTotal - MemAvailable (what `free` calls used, near enough); cached = Cached + Buffers. */
export function parseMeminfo(text: string): MemInfo {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new ParseError('no MemTotal in /proc/meminfo');
  const free = kb.get('MemFree') ?? 0;
  const cached = (kb.get('Cached') ?? 0) + (kb.get('Buffers') ?? 0);
  const available = kb.get('MemAvailable') ?? free + cached;
  return {
    totalBytes: total,
    availableBytes: available,
    usedBytes: Math.max(0, total - available),
    cachedBytes: cached,
    freeBytes: free,
  };
}

/** CPU seconds (utime + stime, all threads) and RSS of one process from /proc/<pid>/stat. */
export interface ProcessTimes {
  utimeTicks: number;
  stimeTicks: number;
  rssPages: number;
  /** time of the children it has waited for (and theirs): fields 16 and 17 */
  cutimeTicks: number;
  cstimeTicks: number;
}

export function parsePidStat(text: string): ProcessTimes {
  // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) throw new ParseError('garbled /proc/<pid>/stat');
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); utime is field 14, stime 15, rss 24.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const rss = Number(rest[21]);
  const cutime = Number(rest[13]);
  const cstime = Number(rest[14]);
  if (![utime, stime, rss, cutime, cstime].every(Number.isFinite))
    throw new ParseError('garbled /proc/<pid>/stat fields');
  return { utimeTicks: utime, stimeTicks: stime, rssPages: rss, cutimeTicks: cutime, cstimeTicks: cstime };
}

/**
 * A reading from two /proc/stat reads and one /proc/meminfo read, for a machine
 * (host or guest) whose whole CPU set is the allocation.
 */
export function machineReading(prev: CpuTimes, stat: ProcStat, mem: MemInfo, at: number, allocCpus: number) {
  const s = cpuShares(prev, stat.total);
  return {
    at,
    user: s.user,
    system: s.system,
    iowait: s.iowait,
    steal: s.steal,
    idle: s.idle,
    cores: ((s.user + s.system) / 100) * stat.cpus,
    allocCpus,
    memUsedBytes: mem.usedBytes,
    memCachedBytes: mem.cachedBytes,
    memLimitBytes: mem.totalBytes,
  };
}
