// The facts host fitness is judged on, read from a root folder ("/" on a host; a fake
// tree in tests): files that do not exist are null. Reads only, except the short window
// over /proc/stat that says how busy the host was before the experiment.
import fs from 'node:fs';
import path from 'node:path';
import { cpuShares, parseMeminfo, parseProcStat } from '../sampling/procstat.js';
import { sleep } from '../util/sleep.js';
import type { HostFacts } from './fitness.js';

export const FITNESS_FILES = {
  governor: (cpu: number) => `sys/devices/system/cpu/cpu${cpu}/cpufreq/scaling_governor`,
  siblings: (cpu: number) => `sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`,
  noTurbo: 'sys/devices/system/cpu/intel_pstate/no_turbo',
  boost: 'sys/devices/system/cpu/cpufreq/boost',
  smtActive: 'sys/devices/system/cpu/smt/active',
  thp: 'sys/kernel/mm/transparent_hugepage/enabled',
  aslr: 'proc/sys/kernel/randomize_va_space',
  clocksource: 'sys/devices/system/clocksource/clocksource0/current_clocksource',
  cpuinfo: 'proc/cpuinfo',
  stat: 'proc/stat',
  meminfo: 'proc/meminfo',
  kvm: 'dev/kvm',
} as const;

export function readOrNull(root: string, rel: string): string | null {
  try {
    return fs.readFileSync(path.join(root, rel), 'utf8');
  } catch {
    return null;
  }
}

/** The CPUs the host has, from /proc/stat's cpuN lines (0 when unreadable). */
function cpuCount(stat: string | null): number {
  return stat ? (stat.match(/^cpu\d+ /gm) ?? []).length : 0;
}

/**
 * How long the other load is watched before an experiment: half a second is 50 clock ticks
 * per CPU in /proc/stat, enough to see a host busy with other work, and every experiment
 * (and every test that runs one) pays it.
 */
export const FITNESS_WINDOW_MS = 500;

/** Busy and steal, % of all CPUs, over `windowMs`; null without /proc/stat. */
async function busyWindow(root: string, windowMs: number): Promise<{ busy: number; steal: number } | null> {
  const first = readOrNull(root, FITNESS_FILES.stat);
  if (!first) return null;
  await sleep(windowMs);
  const second = readOrNull(root, FITNESS_FILES.stat) ?? first;
  try {
    const s = cpuShares(parseProcStat(first).total, parseProcStat(second).total);
    return { busy: s.user + s.system + s.iowait, steal: s.steal };
  } catch {
    return null;
  }
}

export async function readHostFacts(root = '/', windowMs = FITNESS_WINDOW_MS): Promise<HostFacts> {
  const read = (rel: string) => readOrNull(root, rel);
  const cpus = cpuCount(read(FITNESS_FILES.stat));
  const each = (file: (cpu: number) => string) => Array.from({ length: cpus }, (_, cpu) => read(file(cpu)));
  const cpuinfo = read(FITNESS_FILES.cpuinfo);
  const meminfo = read(FITNESS_FILES.meminfo);
  let memAvailableBytes: number | null = null;
  try {
    memAvailableBytes = meminfo ? parseMeminfo(meminfo).availableBytes : null;
  } catch {
    memAvailableBytes = null;
  }
  const window = await busyWindow(root, windowMs);
  return {
    governors: each(FITNESS_FILES.governor),
    noTurbo: read(FITNESS_FILES.noTurbo),
    boost: read(FITNESS_FILES.boost),
    smtActive: read(FITNESS_FILES.smtActive),
    siblings: each(FITNESS_FILES.siblings),
    thp: read(FITNESS_FILES.thp),
    aslr: read(FITNESS_FILES.aslr),
    clocksource: read(FITNESS_FILES.clocksource),
    hypervisor: cpuinfo === null ? null : /^flags\s*:.*\bhypervisor\b/m.test(cpuinfo),
    kvm: fs.existsSync(path.join(root, FITNESS_FILES.kvm)),
    busyPct: window?.busy ?? null,
    stealPct: window?.steal ?? null,
    memAvailableBytes,
  };
}
