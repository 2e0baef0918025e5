// gvisor: containers sandboxed by gVisor's runsc, through the same Docker Engine and worker image.
import type { EnvironmentDescriptor } from '../descriptor.js';
import { dockerSection } from '../docker/config.js';
import { cleanRemoteEngine, createOnDockerEngine, createOnRemoteEngine, engineChecksOnHost } from '../docker/index.js';
import { gvisorConfig, gvisorSection } from './config.js';

export const gvisor: EnvironmentDescriptor<typeof gvisorConfig> = {
  name: 'gvisor',
  description: "containers in gVisor's sandbox (runsc, a user-space kernel) through the Docker Engine",
  view: { label: 'Sandboxes (gVisor)', short: 'gVisor', kind: 'sandbox', color: '#2ca02c', workerSource: 'cgroup' },
  inDefault: false,
  networks: ['none', 'bridge', 'host'],
  refusesCpuOvercommit: true,
  // runsc's sandbox, gofer and ptrace stubs beside the shim
  hostCost: { threads: 60, mib: 80 },
  bridgeSpansHosts: true,
  config: gvisorConfig,
  needsImage: () => true,
  create: (ctx) =>
    createOnDockerEngine(ctx, {
      name: 'gvisor',
      runtime: gvisorSection(ctx.experiment).runtime,
      networkRuntime: gvisorSection(ctx.experiment).networkRuntime,
    }),
  // a host's engine with runsc registered as those runtimes (runsc-net for workers with a network)
  createOnHost: (ctx, host) =>
    createOnRemoteEngine(ctx, host, {
      name: 'gvisor',
      runtime: gvisorSection(ctx.experiment).runtime,
      networkRuntime: gvisorSection(ctx.experiment).networkRuntime,
    }),
  cleanOnHost: cleanRemoteEngine,
  doctorOnHost: (ctx, host) => engineChecksOnHost(ctx, host, gvisorSection(ctx.experiment).runtime),
  // its containers carry the same labels as docker's: the docker descriptor finds and removes them
  leftovers: async () => [],
  clean: async () => [],
  async doctor({ experiment: e }) {
    const { dockerClient } = await import('../docker/backend.js');
    const { which } = await import('../../util/exec.js');
    const runsc = await which('runsc');
    const checks = [{ name: 'runsc (gVisor)', ok: runsc !== null, detail: runsc ?? 'missing: apt-get install runsc' }];
    try {
      const info = (await dockerClient(dockerSection(e)).info()) as {
        Runtimes?: Record<string, { runtimeArgs?: string[] }>;
      };
      const r = info.Runtimes?.[gvisorSection(e).runtime];
      checks.push({
        name: 'gVisor runtime',
        ok: r !== undefined,
        detail: r
          ? `${gvisorSection(e).runtime} registered with the engine (${(r.runtimeArgs ?? []).join(' ') || 'no arguments'})`
          : `the engine has no runtime ${gvisorSection(e).runtime}: scripts/with-docker.sh registers it when it starts dockerd`,
      });
    } catch {
      // no engine: the docker descriptor says so
    }
    return checks;
  },
};
