// Native workers get the allocation a container gets: a CFS quota and a memory limit in
// a cgroup of their own (without one, a 1-CPU native worker's GC threads ran at 110% of a
// CPU). The worker enters its cgroups before it execs anything (a shell writes its own pid,
// then execs), so nothing of the workload runs outside them.
import fs from 'node:fs';
import path from 'node:path';
import { ofLiveExperiment } from '../../util/live.js';
import { cgroupVersion } from '../processHost.js';
import type { Allocation, EnforcedLimits } from '../types.js';

const ROOT = '/sys/fs/cgroup';
/** Every native worker cgroup lives under this folder of each hierarchy: ours alone. */
export const PARENT = 'versus-native';
const PERIOD_US = 100_000;

export interface WorkerCgroup {
  version: 1 | 2;
  /** directories the worker's pid is written into (v1: one per controller) */
  dirs: string[];
  limits: EnforcedLimits;
}

function write(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

export { cgroupVersion };

/** v1 controller folders this worker joins: cpu (quota), cpuacct (accounting), memory (limit). */
function v1Dirs(name: string, root: string): { cpu: string; cpuacct: string; memory: string } {
  const under = (ctrl: string) => path.join(root, ctrl, PARENT, name);
  return {
    cpu: under('cpu'),
    cpuacct: under(fs.existsSync(path.join(root, 'cpuacct')) ? 'cpuacct' : 'cpu'),
    memory: under('memory'),
  };
}

/** Creates the worker's cgroup with its CPU quota and memory limit; throws with the file that refused. */
export function createWorkerCgroup(name: string, allocation: Allocation, root = ROOT): WorkerCgroup {
  const version = cgroupVersion(root);
  if (version === null) throw new Error(`native: no cgroup hierarchy under ${root} to enforce the allocation`);
  const quota = Math.round(allocation.cpus * PERIOD_US);
  try {
    if (version === 2) {
      const parent = path.join(root, PARENT);
      fs.mkdirSync(parent, { recursive: true });
      write(path.join(root, 'cgroup.subtree_control'), '+cpu +memory');
      write(path.join(parent, 'cgroup.subtree_control'), '+cpu +memory');
      const dir = path.join(parent, name);
      fs.mkdirSync(dir, { recursive: true });
      write(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
      write(path.join(dir, 'memory.max'), String(allocation.memoryBytes));
      if (fs.existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), '0');
      return { version, dirs: [dir], limits: limitsOf(allocation, 'cgroup v2 cpu.max, memory.max') };
    }
    const d = v1Dirs(name, root);
    for (const dir of new Set(Object.values(d))) fs.mkdirSync(dir, { recursive: true });
    write(path.join(d.cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
    write(path.join(d.cpu, 'cpu.cfs_quota_us'), String(quota));
    write(path.join(d.memory, 'memory.limit_in_bytes'), String(allocation.memoryBytes));
    const memsw = path.join(d.memory, 'memory.memsw.limit_in_bytes');
    if (fs.existsSync(memsw)) write(memsw, String(allocation.memoryBytes));
    return {
      version,
      dirs: [...new Set(Object.values(d))],
      limits: limitsOf(allocation, 'cgroup v1 cpu.cfs_quota_us, memory.limit_in_bytes'),
    };
  } catch (err) {
    removeWorkerCgroup(name, root);
    throw new Error(
      `native: cannot set the allocation in a cgroup (${(err as Error).message}); native.limits: none runs unconstrained`,
    );
  }
}

function limitsOf(a: Allocation, via: string): EnforcedLimits {
  return { cpus: a.cpus, memoryBytes: a.memoryBytes, cpuset: a.cpuset, via };
}

/** argv that enters the cgroups, then execs argv (the shell's pid is the worker's). Pure. */
export function enterCgroupArgv(cg: WorkerCgroup, argv: readonly string[]): { cmd: string; args: string[] } {
  const joins = cg.dirs.map((_, i) => `echo $$ > "$${i + 1}"`).join(' && ');
  return {
    cmd: 'sh',
    args: [
      '-c',
      `${joins} && shift ${cg.dirs.length} && exec "$@"`,
      'versus-native',
      ...cg.dirs.map((d) => path.join(d, 'cgroup.procs')),
      ...argv,
    ],
  };
}

/** Removes a worker's cgroups (after its processes ended); a busy one is emptied to its parent first. */
export function removeWorkerCgroup(name: string, root = ROOT): string[] {
  const version = cgroupVersion(root);
  if (version === null) return [];
  const dirs = version === 2 ? [path.join(root, PARENT, name)] : [...new Set(Object.values(v1Dirs(name, root)))];
  const removed: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    try {
      fs.rmdirSync(dir); // cgroup folders go with rmdir, not rm -r
      removed.push(dir);
    } catch {
      // still has processes: the caller kills them first
    }
    try {
      fs.rmdirSync(path.dirname(dir)); // our parent folder, once no worker is left in it
    } catch {
      // other workers are still there
    }
  }
  return removed;
}

function parentsOf(version: 1 | 2, root: string): string[] {
  return version === 2
    ? [path.join(root, PARENT)]
    : ['cpu', 'cpuacct', 'memory'].map((c) => path.join(root, c, PARENT));
}

/** Names of the worker cgroups that exist (a killed harness leaves them, with their processes). */
export function listWorkerCgroups(root = ROOT): string[] {
  const version = cgroupVersion(root);
  if (version === null) return [];
  const names = new Set<string>();
  for (const p of parentsOf(version, root)) {
    if (!fs.existsSync(p)) continue;
    for (const e of fs.readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) names.add(e.name);
  }
  return [...names].sort();
}

function pidsIn(version: 1 | 2, name: string, root: string): number[] {
  const pids = new Set<number>();
  for (const p of parentsOf(version, root)) {
    const procs = path.join(p, name, 'cgroup.procs');
    if (!fs.existsSync(procs)) continue;
    for (const pid of fs.readFileSync(procs, 'utf8').split('\n').filter(Boolean)) pids.add(Number(pid));
  }
  return [...pids];
}

/** Every worker cgroup left by a killed harness (not a live experiment's): its processes killed, the folders removed. */
export async function cleanWorkerCgroups(root = ROOT, live: readonly string[] = []): Promise<string[]> {
  const version = cgroupVersion(root);
  if (version === null) return [];
  const removed: string[] = [];
  for (const name of listWorkerCgroups(root).filter((n) => !ofLiveExperiment(n, live))) {
    for (const pid of pidsIn(version, name, root)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    // killed processes leave their cgroup when the kernel has reaped them: a moment
    for (let i = 0; i < 50 && pidsIn(version, name, root).length; i++) await new Promise((r) => setTimeout(r, 100));
    if (removeWorkerCgroup(name, root).length) removed.push(`native worker cgroup ${name}`);
  }
  return removed;
}
