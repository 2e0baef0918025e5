// One worker's LXC container, as the lines of its config file. Pure.
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import type { Allocation } from '../types.js';

/** Every worker container's cgroup lives under this folder of each hierarchy: ours alone. */
export const CGROUP_PARENT = 'versus-lxc';
const PERIOD_US = 100_000;

export interface ContainerSpec {
  /** container name: `<runId>-lxc-<i>` */
  name: string;
  hostname: string;
  rootfs: string;
  /** the container's writes: the upper layer of an overlay on the image's tree (its work folder beside it) */
  upperDir: string;
  workloadsDir: string;
  allocation: Allocation;
  cgroupVersion: 1 | 2;
  /** none: loopback only; host: the host's namespace; bridge: a veth on the run's bridge */
  network: { mode: 'none' } | { mode: 'host' } | { mode: 'bridge'; bridge: string; veth: string; cidr: string };
}

/** The cgroup folder of a container (relative to each hierarchy's root). Pure. */
export function containerCgroup(name: string): string {
  return `${CGROUP_PARENT}/${name}`;
}

/** The config lines lxc-execute reads (lxc.container.conf(5)). */
export function containerConfig(s: ContainerSpec): string {
  const quota = Math.round(s.allocation.cpus * PERIOD_US);
  const mem = String(s.allocation.memoryBytes);
  const limits =
    s.cgroupVersion === 2
      ? [
          `lxc.cgroup2.cpu.max = ${quota} ${PERIOD_US}`,
          `lxc.cgroup2.memory.max = ${mem}`,
          'lxc.cgroup2.memory.swap.max = 0',
        ]
      : [
          `lxc.cgroup.cpu.cfs_period_us = ${PERIOD_US}`,
          `lxc.cgroup.cpu.cfs_quota_us = ${quota}`,
          `lxc.cgroup.memory.limit_in_bytes = ${mem}`,
        ];
  if (s.allocation.cpuset) {
    const cpus = s.allocation.cpuset.join(',');
    limits.push(s.cgroupVersion === 2 ? `lxc.cgroup2.cpuset.cpus = ${cpus}` : `lxc.cgroup.cpuset.cpus = ${cpus}`);
  }
  return [
    `lxc.uts.name = ${s.hostname}`,
    // the image's tree, never written: an overlay whose upper layer is the container's (as an
    // engine's), this experiment's workloads bound read-only over the tree's copy
    `lxc.rootfs.path = overlay:${s.rootfs}:${s.upperDir}`,
    `lxc.mount.entry = ${s.workloadsDir} ${GUEST_WORKLOADS_DIR.slice(1)} none bind,ro 0 0`,
    'lxc.mount.auto = proc:mixed sys:ro',
    ...networkLines(s.network),
    'lxc.apparmor.profile = unconfined',
    // a folder of ours in every hierarchy, so leftovers are found and nothing else is touched
    `lxc.cgroup.dir.container = ${containerCgroup(s.name)}`,
    `lxc.cgroup.dir.monitor = ${containerCgroup(s.name)}.monitor`,
    ...limits,
    'lxc.log.level = ERROR',
    '',
  ].join('\n');
}

function networkLines(n: ContainerSpec['network']): string[] {
  if (n.mode === 'none') return ['lxc.net.0.type = empty'];
  if (n.mode === 'host') return ['lxc.net.0.type = none'];
  // no gateway: the run's own segment and nothing beyond it
  return [
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${n.bridge}`,
    `lxc.net.0.veth.pair = ${n.veth}`,
    'lxc.net.0.name = eth0',
    'lxc.net.0.flags = up',
    `lxc.net.0.ipv4.address = ${n.cidr}`,
  ];
}
