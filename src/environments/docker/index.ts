// docker: one container per worker through the Docker Engine API (runc).
import type { EnvironmentDescriptor } from '../descriptor.js';
import { dockerConfig } from './config.js';

export const docker: EnvironmentDescriptor<typeof dockerConfig> = {
  name: 'docker',
  description: 'one container per worker through the Docker Engine API (runc), no network, --cpus/--memory',
  view: {
    label: 'Containers (docker)',
    short: 'container',
    kind: 'container',
    color: '#1f77b4',
    workerSource: 'cgroup',
  },
  inDefault: true,
  config: dockerConfig,
  needsImage: () => true,
  async create({ experiment: e, image, log }) {
    const { DockerEnvironment, dockerClient } = await import('./backend.js');
    if (!image) throw new Error('docker: the worker image is needed');
    return new DockerEnvironment(dockerClient(e.docker), image, log, e.docker.apiTimeoutS, e.docker.sampling);
  },
  async leftovers({ experiment: e }) {
    const { dockerClient, labelledContainers } = await import('./backend.js');
    return (await labelledContainers(dockerClient(e.docker))).map((c) => `container ${c}`);
  },
  async clean({ experiment: e }) {
    const { dockerClient, removeLabelled } = await import('./backend.js');
    return (await removeLabelled(dockerClient(e.docker), e.docker.apiTimeoutS)).map((c) => `container ${c}`);
  },
  async doctor({ experiment: e }) {
    const { dockerClient } = await import('./backend.js');
    try {
      const v = await dockerClient(e.docker).version();
      return [{ name: 'docker engine', ok: true, detail: `${v.Version} (API ${v.ApiVersion})` }];
    } catch (err) {
      return [
        {
          name: 'docker engine',
          ok: false,
          detail: `not answering: ${(err as Error).message} — scripts/setup.sh starts dockerd`,
        },
      ];
    }
  },
};
