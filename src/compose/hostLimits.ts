// What limits the number of workers on this host, checked before anything starts: threads
// (kernel.pid_max, kernel.threads-max), the harness's own file descriptors, loopback ports
// for VMs' SSH forwards, and memory. No fixed cap: a number the host cannot hold is refused
// naming the limit and how to raise it; memory is a warning (a boot sweep stops at its floor).
import fs from 'node:fs';
import type { HostCost } from '../environments/descriptor.js';
import { parseMeminfo } from '../sampling/procstat.js';

export interface HostLimitFacts {
  pidMax: number;
  threadsMax: number;
  /** threads on the host now (/proc/loadavg) */
  threadsNow: number;
  /** this process's soft RLIMIT_NOFILE (Node raises it to the hard limit at start) */
  openFiles: number;
  openFilesNow: number;
  /** ip_local_port_range's size: the pool VM SSH forwards take their ports from */
  localPorts: number;
  memAvailableMiB: number;
}

/** The harness's own descriptors per worker (pipes, sockets, sampled files). */
const FDS_PER_WORKER = 8;

export interface LimitCheck {
  refusals: string[];
  warnings: string[];
}

/** n workers at once of each environment (one environment at a time), at each one's cost. Pure. */
export function checkHostLimits(
  n: number,
  envs: readonly { name: string; cost: HostCost }[],
  vmMemoryMiB: number,
  f: HostLimitFacts,
): LimitCheck {
  const refusals: string[] = [];
  const warnings: string[] = [];
  for (const { name, cost } of envs) {
    const threads = f.threadsNow + n * cost.threads;
    const threadLimit = Math.min(f.pidMax, f.threadsMax);
    if (threads > threadLimit)
      refusals.push(
        `${n} ${name} workers need about ${n * cost.threads} threads; with the ${f.threadsNow} running that passes the host's limit of ${threadLimit} (sysctl kernel.pid_max / kernel.threads-max)`,
      );
    const fds = f.openFilesNow + n * FDS_PER_WORKER;
    if (fds > f.openFiles)
      refusals.push(
        `${n} ${name} workers need about ${n * FDS_PER_WORKER} file descriptors in versus beyond the ${f.openFilesNow} open; its limit is ${f.openFiles} (ulimit -n; raise the hard limit)`,
      );
    if (cost.loopbackPort && n > f.localPorts / 2)
      refusals.push(
        `${n} ${name} VMs need a loopback port each for SSH; the host's local port range has ${f.localPorts} (sysctl net.ipv4.ip_local_port_range)`,
      );
    const guest = cost.mib === 'guest';
    const each = cost.mib === 'guest' ? vmMemoryMiB : cost.mib;
    if (n * each > f.memAvailableMiB)
      warnings.push(
        `warning: ${n} ${name} workers may need up to ${n * each} MiB (${guest ? `${vmMemoryMiB} MiB of guest RAM each` : `about ${each} MiB each`}); the host has ${f.memAvailableMiB} MiB available`,
      );
  }
  return { refusals, warnings };
}

const readNumber = (file: string, fallback: number) => {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[0]) || fallback;
  } catch {
    return fallback;
  }
};

/** This host's facts (Linux /proc; generous fallbacks elsewhere). */
export function hostLimitFacts(): HostLimitFacts {
  const limits = fs.existsSync('/proc/self/limits') ? fs.readFileSync('/proc/self/limits', 'utf8') : '';
  const nofile = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
  const loadavg = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8') : '';
  const ports = fs.existsSync('/proc/sys/net/ipv4/ip_local_port_range')
    ? fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    : [32768, 60999];
  const avail = fs.existsSync('/proc/meminfo')
    ? parseMeminfo(fs.readFileSync('/proc/meminfo', 'utf8')).availableBytes
    : null;
  return {
    pidMax: readNumber('/proc/sys/kernel/pid_max', 4194304),
    threadsMax: readNumber('/proc/sys/kernel/threads-max', 4194304),
    threadsNow: Number(/\d+\/(\d+)/.exec(loadavg)?.[1] ?? 0),
    openFiles: nofile === undefined || nofile === 'unlimited' ? 1 << 20 : Number(nofile),
    openFilesNow: fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd').length : 0,
    localPorts: (ports[1] ?? 60999) - (ports[0] ?? 32768) + 1,
    memAvailableMiB: avail === null ? Number.MAX_SAFE_INTEGER : Math.round(avail / 2 ** 20),
  };
}
