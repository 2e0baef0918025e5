// Shell text for native workers on a remote host: what cgroupLimits.ts does here with
// fs calls, done there by the worker's own shell before it execs the workload (so
// nothing of the workload runs outside its cgroup), and the teardown that kills what a
// run left and removes its cgroups. Pure: strings only.
import { shellQuote } from '../../ssh/quote.js';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import { sparedFunction } from '../overlay.js';
import type { Allocation } from '../types.js';

const ROOT = '/sys/fs/cgroup';
/**
 * The folder of every worker cgroup a harness made on this host over SSH: not the local
 * `versus-native`, so a versus run on the host itself never mistakes them for its own.
 */
const PARENT = 'versus-remote-native';
const PERIOD_US = 100_000;
const V1 = ['cpu', 'cpuacct', 'memory'];

/**
 * `sh -c` script, run in a mount namespace of the worker's own: the run's workloads
 * bind-mounted read-only over the tree's (the image tree is shared by every experiment on
 * the host and never written), a proc of its own when asked, then chroot into the tree.
 */
export const CHROOT_WORKER = `root="$1"; wl="$2"; proc="$3"; shift 3; t="$root${GUEST_WORKLOADS_DIR}"; mount --bind "$wl" "$t" && mount -o remount,bind,ro "$t" && { [ "$proc" = 0 ] || mount -t proc proc "$root/proc"; } && exec chroot "$root" "$@"`;

/**
 * A chroot into `rootfs` with `workloadsDir` as its workloads, in a mount namespace that goes
 * with the worker; `withProc`: a proc of its own, for a worker on a network, which reads its
 * namespace's /proc/net.
 */
export function chrootWorker(rootfs: string, workloadsDir: string, withProc: boolean): string[] {
  const script = ['sh', '-c', CHROOT_WORKER, 'versus-native', rootfs, workloadsDir, withProc ? '1' : '0'];
  return ['unshare', '-m', '--propagation', 'private', ...script];
}

/** Prints 2, 1 or nothing: the host's cgroup hierarchy, as cgroupVersion() tells here. */
export const CGROUP_VERSION_SCRIPT = `if [ -e ${ROOT}/cgroup.controllers ]; then echo 2; elif [ -d ${ROOT}/memory ] && [ -d ${ROOT}/cpu ]; then echo 1; fi`;

/** Creates the worker's cgroup with the allocation's quota and memory limit and moves this shell ($$) into it. */
export function enterCgroupScript(version: 1 | 2, name: string, a: Allocation): string {
  const quota = Math.round(a.cpus * PERIOD_US);
  const mem = String(a.memoryBytes);
  if (version === 2) {
    const dir = `${ROOT}/${PARENT}/${name}`;
    return [
      `mkdir -p ${dir}`,
      `echo '+cpu +memory' > ${ROOT}/cgroup.subtree_control`,
      `echo '+cpu +memory' > ${ROOT}/${PARENT}/cgroup.subtree_control`,
      `echo '${quota} ${PERIOD_US}' > ${dir}/cpu.max`,
      `echo ${mem} > ${dir}/memory.max`,
      `if [ -e ${dir}/memory.swap.max ]; then echo 0 > ${dir}/memory.swap.max; fi`,
      `echo $$ > ${dir}/cgroup.procs`,
    ].join(' && ');
  }
  const d = (c: string) => `${ROOT}/${c}/${PARENT}/${name}`;
  return [
    `for c in ${V1.join(' ')}; do if [ -d ${ROOT}/$c ]; then mkdir -p ${ROOT}/$c/${PARENT}/${name}; fi; done`,
    `echo ${PERIOD_US} > ${d('cpu')}/cpu.cfs_period_us`,
    `echo ${quota} > ${d('cpu')}/cpu.cfs_quota_us`,
    `echo ${mem} > ${d('memory')}/memory.limit_in_bytes`,
    `if [ -e ${d('memory')}/memory.memsw.limit_in_bytes ]; then echo ${mem} > ${d('memory')}/memory.memsw.limit_in_bytes; fi`,
    `for c in ${V1.join(' ')}; do if [ -d ${ROOT}/$c/${PARENT}/${name} ]; then echo $$ > ${ROOT}/$c/${PARENT}/${name}/cgroup.procs; fi; done`,
  ].join(' && ');
}

export interface RemoteWorkerSpec {
  pidFile: string;
  /** null: unconstrained (native.limits none) */
  cgroup: { version: 1 | 2; name: string } | null;
  allocation: Allocation;
  /** the workload's argv (node barrier.mjs …, through chroot or not) */
  argv: readonly string[];
  /** network bridge: the worker's namespace on the run's segment (entered by nsenter, network only: /sys stays the host's) */
  netns?: string | null;
}

/** The worker's command: its cgroup entered, its pid recorded, then the workload exec'd in its place. */
export function remoteWorkerCommand(w: RemoteWorkerSpec): string {
  const pinned = w.allocation.cpuset ? ['taskset', '-c', w.allocation.cpuset.join(','), ...w.argv] : [...w.argv];
  const argv = w.netns ? ['nsenter', `--net=/run/netns/${w.netns}`, ...pinned] : pinned;
  const steps = [
    ...(w.cgroup ? [enterCgroupScript(w.cgroup.version, w.cgroup.name, w.allocation)] : []),
    `mkdir -p ${shellQuote(w.pidFile.replace(/\/[^/]*$/, ''))}`,
    `echo $$ > ${shellQuote(w.pidFile)}`,
    'cd /',
    `exec ${argv.map(shellQuote).join(' ')}`,
  ];
  return `sh -c ${shellQuote(steps.join(' && '))}`;
}

/** Kills the workers recorded in the pid files (if they still run barrier.mjs; with their process group: the SSH session's, so the tools they started go too). */
function killRecorded(pidFiles: string): string {
  return `for f in ${pidFiles}; do [ -f "$f" ] || continue; read -r p < "$f" || continue; if grep -qa barrier.mjs "/proc/$p/cmdline" 2>/dev/null; then read -r s < "/proc/$p/stat"; set -- \${s##*) }; kill -9 "-$3" "$p" 2>/dev/null; echo "native worker pid $p"; fi; done`;
}

/** Kills every process in the cgroups `dirs` (a glob) that `keep` (shell, on $d) does not spare, waits for them, removes the cgroups. */
function removeCgroups(dirs: string, keep = 'false'): string[] {
  return [
    `for d in ${dirs}; do [ -d "$d" ] || continue; ${keep} && continue; while read -r p; do kill -9 "$p" 2>/dev/null; done < "$d/cgroup.procs"; done`,
    `for i in $(seq 50); do busy=; for d in ${dirs}; do [ -d "$d" ] || continue; ${keep} && continue; read -r _ < "$d/cgroup.procs" && busy=1; done; [ -z "$busy" ] && break; sleep 0.1; done`,
    `for d in ${dirs}; do [ -d "$d" ] || continue; ${keep} && continue; rmdir "$d" 2>/dev/null && echo "native worker cgroup \${d##*/}"; done`,
    `for c in '' ${V1.map((c) => `${c}/`).join(' ')}; do rmdir ${ROOT}/\${c}${PARENT} 2>/dev/null; done`,
  ];
}

const cgroupDirs = (prefix: string) =>
  [`${ROOT}/${PARENT}/${prefix}*`, ...V1.map((c) => `${ROOT}/${c}/${PARENT}/${prefix}*`)].join(' ');

/**
 * Kills the workers recorded in runDir's pid files and every process in cgroups whose
 * names start with prefix, then removes those cgroups and runDir. Prints one line per
 * removed thing.
 */
export function teardownScript(runDir: string, prefix: string): string {
  const q = shellQuote(runDir);
  return [killRecorded(`${q}/*.pid ${q}/*/*.pid`), ...removeCgroups(cgroupDirs(prefix)), `rm -rf ${q}`, 'true'].join(
    '\n',
  );
}

/**
 * `versus clean --hosts` on one host: every run's workers under nativeDir and every worker
 * cgroup of this host (names `<host>-<run id>-…`), except the runs of the experiments in
 * `live` (running now on this machine: their own end removes them). Prints one line per
 * removed thing.
 */
export function cleanScript(
  nativeDir: string,
  hostName: string,
  live: readonly string[],
  /** only this experiment's runs (its end), not every run but the live ones (`versus clean`) */
  experimentId?: string,
): string {
  const host = shellQuote(`${hostName}-`);
  return [
    sparedFunction(live, experimentId),
    `for r in ${shellQuote(nativeDir)}/*; do [ -d "$r" ] || continue; spared "\${r##*/}" && continue; ${killRecorded('"$r"/*.pid "$r"/*/*.pid')}; rm -rf "$r"; done`,
    ...removeCgroups(cgroupDirs(`${hostName}-`), `n=\${d##*/}; spared "\${n#${host}}"`),
    'true',
  ].join('\n');
}
