// docker: one container per worker through the Docker Engine API (runc).
import type { RemoteHost } from '../../hosts/remote.js';
import type { CleanContext, CreateContext, DoctorCheck, EnvironmentDescriptor } from '../descriptor.js';
import type { Environment } from '../types.js';
import type { DockerFlavour } from './backend.js';
import { dockerConfig, dockerHostConfig, dockerSection, dockerSocketOf, engineLimitsOf } from './config.js';

/** A backend on this Docker Engine with a flavour (docker's runc, gVisor's runsc). */
export async function createOnDockerEngine(ctx: CreateContext, flavour: DockerFlavour): Promise<Environment> {
  const { DockerEnvironment, dockerClient } = await import('./backend.js');
  const e = ctx.experiment;
  if (!ctx.image) throw new Error(`${flavour.name}: the worker image is needed`);
  return new DockerEnvironment(
    dockerClient(dockerSection(e)),
    ctx.image,
    ctx.log,
    engineLimitsOf(e),
    dockerSection(e).sampling,
    flavour,
    ctx.workloads,
  );
}

/** A backend on a remote host's Docker Engine (over its SSH connection) with a flavour. */
export async function createOnRemoteEngine(
  ctx: CreateContext,
  host: RemoteHost,
  flavour: DockerFlavour,
): Promise<Environment> {
  const { DockerEnvironment } = await import('./backend.js');
  const { dockerOverSsh } = await import('./remote.js');
  const e = ctx.experiment;
  if (!ctx.image) throw new Error(`${flavour.name}: the worker image is needed`);
  const dir = await host.deliverWorkloads(ctx.workloads);
  return new DockerEnvironment(
    dockerOverSsh(host),
    ctx.image,
    (m) => ctx.log(`${host.name}: ${m}`),
    engineLimitsOf(e),
    dockerSection(e).sampling,
    { ...flavour, remoteEngine: true },
    { dir, hash: ctx.workloads.hash },
  );
}

/** Removes versus's containers (every flavour: they share labels) on a remote host's engine. */
export async function cleanRemoteEngine(
  { experiment: e, live = [] }: CleanContext,
  host: RemoteHost,
): Promise<string[]> {
  const { engineCall, removeLabelled } = await import('./backend.js');
  const { dockerOverSsh } = await import('./remote.js');
  const engine = dockerOverSsh(host);
  // a dead engine here is news (leftovers may wait behind it), not "nothing to clean"
  await engineCall(engine.ping(), dockerSection(e).apiTimeoutS, 'ping').catch((err: Error) => {
    throw new Error(`its Docker Engine (${dockerSocketOf(host.config)}) is not answering: ${err.message}`);
  });
  // an experiment running now on this machine may have its workers there: not leftovers
  const removed = await removeLabelled(engine, dockerSection(e).apiTimeoutS, live);
  // the overlays of runs spanning hosts: the engine removed their bridges, not them
  const { overlayCleanScript } = await import('../overlay.js');
  removed.push(...(await host.run(overlayCleanScript(live))).split('\n').filter(Boolean));
  return removed.map((c) => `${c} on ${host.name}`);
}

/** A remote host's engine answers (and, for a flavour with a runtime, has it registered). */
export async function engineChecksOnHost(
  { experiment: e }: CleanContext,
  host: RemoteHost,
  runtime: string | null,
): Promise<DoctorCheck[]> {
  const { engineCall } = await import('./backend.js');
  const { dockerOverSsh } = await import('./remote.js');
  const engine = dockerOverSsh(host);
  const socket = dockerSocketOf(host.config);
  try {
    const v = await engineCall(engine.version(), dockerSection(e).apiTimeoutS, 'version');
    if (!runtime)
      return [{ name: 'docker engine', ok: true, detail: `${v.Version} (API ${v.ApiVersion}) on ${socket}` }];
    const info = (await engineCall(engine.info(), dockerSection(e).apiTimeoutS, 'info')) as {
      Runtimes?: Record<string, unknown>;
    };
    const ok = info.Runtimes?.[runtime] !== undefined;
    return [
      {
        name: `${runtime} runtime`,
        ok,
        detail: ok ? `registered with the engine on ${socket}` : `the engine on ${socket} has no runtime ${runtime}`,
      },
    ];
  } catch (err) {
    return [{ name: 'docker engine', ok: false, detail: `not answering on ${socket}: ${(err as Error).message}` }];
  }
}

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
  networks: ['none', 'bridge', 'host'],
  refusesCpuOvercommit: true,
  // the engine's shim and the container's own threads; the engine's bookkeeping
  hostCost: { threads: 30, mib: 40 },
  bridgeSpansHosts: true,
  config: dockerConfig,
  flags: [
    { option: '--docker-socket <path>', description: 'Docker Engine socket', field: 'socketPath', commands: ['clean'] },
  ],
  needsImage: () => true,
  create: (ctx) => createOnDockerEngine(ctx, { name: 'docker', runtime: null }),
  hostConfig: dockerHostConfig,
  createOnHost: (ctx, host) => createOnRemoteEngine(ctx, host, { name: 'docker', runtime: null }),
  cleanOnHost: cleanRemoteEngine,
  doctorOnHost: (ctx, host) => engineChecksOnHost(ctx, host, null),
  async leftovers({ experiment: e, live = [] }) {
    const { dockerClient, labelledContainers } = await import('./backend.js');
    const { ofLiveExperiment } = await import('../../util/live.js');
    const names = await labelledContainers(dockerClient(dockerSection(e)));
    return names.filter((c) => !ofLiveExperiment(c.replace(/^(container|network) /, ''), live));
  },
  async clean({ experiment: e, live = [] }) {
    const { dockerClient, removeLabelled } = await import('./backend.js');
    return removeLabelled(dockerClient(dockerSection(e)), dockerSection(e).apiTimeoutS, live);
  },
  async doctor({ experiment: e }) {
    const { dockerClient } = await import('./backend.js');
    try {
      const v = await dockerClient(dockerSection(e)).version();
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
