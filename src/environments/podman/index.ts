// podman: rootful Podman containers through its Docker-compatible API, same image and samplers as docker.
import type { EnvironmentDescriptor } from '../descriptor.js';
import { podmanConfig, podmanSection } from './config.js';

export const podman: EnvironmentDescriptor<typeof podmanConfig> = {
  name: 'podman',
  description: 'Podman containers through its Docker-compatible API (rootful), started when no service answers',
  view: {
    label: 'Containers (podman)',
    short: 'Podman',
    kind: 'container',
    color: '#9467bd',
    workerSource: 'cgroup',
  },
  inDefault: false,
  networks: ['none', 'bridge', 'host'],
  config: podmanConfig,
  needsImage: () => true,
  async create({ experiment: e, image, log, workloads }) {
    const { PodmanEnvironment } = await import('./backend.js');
    if (!image) throw new Error('podman: the worker image is needed');
    return new PodmanEnvironment(podmanSection(e), image, log, e, workloads);
  },
  async leftovers({ experiment: e, live = [] }) {
    const { podmanLeftovers } = await import('./backend.js');
    return (await podmanLeftovers(podmanSection(e).binary, live)).map((n) => `podman container ${n}`);
  },
  async clean({ experiment: e, live = [] }) {
    const { removePodmanLeftovers } = await import('./backend.js');
    return (await removePodmanLeftovers(podmanSection(e).binary, live)).map((n) => `podman container ${n}`);
  },
  async doctor({ experiment: e }) {
    const { versionOf } = await import('../../util/exec.js');
    const v = await versionOf(podmanSection(e).binary, ['--version']);
    return [
      { name: 'podman', ok: v !== null, detail: v ?? 'missing: apt-get install podman (needed for --env podman only)' },
    ];
  },
};
