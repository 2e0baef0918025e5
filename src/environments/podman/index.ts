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
  refusesCpuOvercommit: true,
  hostCost: { threads: 30, mib: 40 },
  config: podmanConfig,
  needsImage: () => true,
  async create({ experiment: e, image, log, workloads }) {
    const { PodmanEnvironment } = await import('./backend.js');
    if (!image) throw new Error('podman: the worker image is needed');
    return new PodmanEnvironment(podmanSection(e), image, log, e, workloads);
  },
  async leftovers({ experiment: e, live = [] }) {
    const { podmanLeftovers, podmanNetworkLeftovers } = await import('./backend.js');
    const binary = podmanSection(e).binary;
    return [
      ...(await podmanLeftovers(binary, live)).map((n) => `podman container ${n}`),
      ...(await podmanNetworkLeftovers(binary, live)).map((n) => `podman network ${n}`),
    ];
  },
  async clean({ experiment: e, live = [] }) {
    const { removePodmanLeftovers } = await import('./backend.js');
    return removePodmanLeftovers(podmanSection(e).binary, live);
  },
  async doctor({ experiment: e }) {
    const { versionOf } = await import('../../util/exec.js');
    const v = await versionOf(podmanSection(e).binary, ['--version']);
    return [
      { name: 'podman', ok: v !== null, detail: v ?? 'missing: apt-get install podman (needed for --env podman only)' },
    ];
  },
};
