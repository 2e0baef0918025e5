// charliecloud: HPC's unprivileged containers — ch-run on the worker image's tree, no daemon —
// held to a container's allocation by the cgroup native workers get: the process host with another launcher.
import type { EnvironmentDescriptor } from '../descriptor.js';
import { charliecloudConfig, charliecloudSection } from './config.js';

export const charliecloud: EnvironmentDescriptor<typeof charliecloudConfig> = {
  name: 'charliecloud',
  description:
    "HPC's unprivileged containers: ch-run on the worker image's tree (user namespaces, no daemon) in a cgroup of its own",
  view: {
    label: 'Containers (Charliecloud)',
    short: 'Charliecloud',
    kind: 'container',
    color: '#17becf',
    workerSource: 'process',
  },
  inDefault: false,
  networks: ['none', 'bridge', 'host'],
  hostCost: { threads: 12, mib: 40 },
  config: charliecloudConfig,
  needsImage: () => true,
  async create({ experiment: e, image, workloads }) {
    const { NativeEnvironment } = await import('../native/backend.js');
    const { chRunLauncher } = await import('./launcher.js');
    const c = charliecloudSection(e);
    return new NativeEnvironment({ runtime: 'image', limits: c.limits }, image, workloads, chRunLauncher(c.binary));
  },
  // its workers' cgroups and segments are the process host's: native's leftovers and clean find them
  leftovers: async () => [],
  clean: async () => [],
  async doctor({ experiment: e }) {
    const { versionOf } = await import('../../util/exec.js');
    const v = await versionOf(charliecloudSection(e).binary, ['--version'], { USER: 'root' });
    return [
      {
        name: 'charliecloud',
        ok: v !== null,
        detail: v ?? 'missing: apt-get install charliecloud-runtime (needed for --env charliecloud only)',
      },
    ];
  },
};
