// lxc: system containers through LXC (lxc-execute, lxc-init as PID 1) on an overlay of the worker
// image's tree, the allocation in LXC's own cgroup, a veth of LXC's on the run's bridge.
import type { EnvironmentDescriptor } from '../descriptor.js';
import { lxcConfig, lxcSection } from './config.js';

export const lxc: EnvironmentDescriptor<typeof lxcConfig> = {
  name: 'lxc',
  description: "LXC system containers: lxc-execute on an overlay of the worker image's tree, limits in LXC's cgroup",
  view: { label: 'Containers (LXC)', short: 'LXC', kind: 'container', color: '#bcbd22', workerSource: 'cgroup' },
  inDefault: false,
  networks: ['none', 'bridge', 'host'],
  // lxc-execute's monitor and lxc-init beside node's own threads
  hostCost: { threads: 14, mib: 40 },
  config: lxcConfig,
  needsImage: () => true,
  async create({ experiment: e, image, workloads }) {
    const { LxcEnvironment } = await import('./backend.js');
    if (!image) throw new Error('lxc: the worker image is needed');
    return new LxcEnvironment(lxcSection(e), image, workloads);
  },
  async leftovers({ experiment: e, live = [] }) {
    const { lxcLeftovers } = await import('./backend.js');
    return lxcLeftovers(lxcSection(e).lxcpath, live).map((r) => `lxc containers of run ${r}`);
  },
  async clean({ experiment: e, live = [] }) {
    const { lxcLeftovers, removeRun } = await import('./backend.js');
    const { lxcpath } = lxcSection(e);
    const removed: string[] = [];
    for (const r of lxcLeftovers(lxcpath, live)) removed.push(...(await removeRun(lxcpath, r)));
    return removed;
  },
  async doctor() {
    const { versionOf } = await import('../../util/exec.js');
    const v = await versionOf('lxc-execute', ['--version']);
    return [
      {
        name: 'lxc',
        ok: v !== null,
        detail: v ? `LXC ${v}` : 'missing: apt-get install lxc (needed for --env lxc only)',
      },
    ];
  },
};
