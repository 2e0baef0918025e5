// The two folder-only backends' pure parts: an LXC container's config and ch-run's argv.
import { describe, expect, it } from 'vitest';
import { chRunArgv } from '../../src/environments/charliecloud/launcher.js';
import { type ContainerSpec, containerConfig } from '../../src/environments/lxc/containerConfig.js';

const spec: ContainerSpec = {
  name: 'exp-001-lxc-0',
  hostname: 'lxc-0',
  rootfs: '/img/rootfs',
  upperDir: '/var/lib/versus-lxc/exp-001/exp-001-lxc-0/upper',
  workloadsDir: '/bundle/workloads',
  allocation: { cpus: 1.5, memoryBytes: 512 * 2 ** 20, cpuset: null },
  cgroupVersion: 1,
  network: { mode: 'none' },
};
const lines = (s: ContainerSpec) => containerConfig(s).split('\n');

describe('an LXC worker container', () => {
  it('overlays the image tree (never written) and binds the workloads read-only over its copy', () => {
    expect(lines(spec)).toContain(
      'lxc.rootfs.path = overlay:/img/rootfs:/var/lib/versus-lxc/exp-001/exp-001-lxc-0/upper',
    );
    expect(lines(spec)).toContain('lxc.mount.entry = /bundle/workloads opt/versus/workloads none bind,ro 0 0');
  });

  it('holds the allocation in a cgroup of ours, in the keys of the host hierarchy', () => {
    expect(lines(spec)).toEqual(
      expect.arrayContaining([
        'lxc.cgroup.dir.container = versus-lxc/exp-001-lxc-0',
        'lxc.cgroup.cpu.cfs_quota_us = 150000',
        `lxc.cgroup.memory.limit_in_bytes = ${512 * 2 ** 20}`,
      ]),
    );
    const v2 = lines({ ...spec, cgroupVersion: 2, allocation: { ...spec.allocation, cpuset: [2, 3] } });
    expect(v2).toEqual(
      expect.arrayContaining(['lxc.cgroup2.cpu.max = 150000 100000', 'lxc.cgroup2.cpuset.cpus = 2,3']),
    );
    expect(v2.some((l) => l.startsWith('lxc.cgroup.cpu.'))).toBe(false);
  });

  it('has loopback only, the host namespace, or a veth on the run bridge with no gateway', () => {
    expect(lines(spec)).toContain('lxc.net.0.type = empty');
    expect(lines({ ...spec, network: { mode: 'host' } })).toContain('lxc.net.0.type = none');
    const bridged = lines({
      ...spec,
      network: { mode: 'bridge', bridge: 'vsb1', veth: 'vsv10', cidr: '10.77.0.2/16' },
    });
    expect(bridged).toEqual(
      expect.arrayContaining([
        'lxc.net.0.link = vsb1',
        'lxc.net.0.veth.pair = vsv10',
        'lxc.net.0.ipv4.address = 10.77.0.2/16',
      ]),
    );
    expect(bridged.some((l) => l.includes('gateway'))).toBe(false);
  });
});

describe("Charliecloud's launcher", () => {
  it('runs ch-run on the tree with the workloads bound over its copy and the tree’s own passwd', () => {
    expect(chRunArgv('ch-run', '/img/rootfs', '/bundle/workloads')).toEqual([
      'ch-run',
      '--no-passwd',
      '-b',
      '/bundle/workloads:/opt/versus/workloads',
      '/img/rootfs',
      '--',
    ]);
  });
});
