// native: the baseline, the workload as a host process (the image's node through chroot, or the host's).
import type { EnvironmentDescriptor } from '../descriptor.js';
import { nativeConfig, nativeSection } from './config.js';

export const native: EnvironmentDescriptor<typeof nativeConfig> = {
  name: 'native',
  description: "the baseline: the workload as a host process, the worker image's node through chroot (or the host's)",
  view: { label: 'Native', short: 'native', kind: 'baseline', color: '#7f7f7f', workerSource: 'process' },
  inDefault: true,
  networks: ['none', 'bridge', 'host'],
  hostCost: { threads: 12, mib: 40 },
  bridgeSpansHosts: true,
  hostSide: true,
  config: nativeConfig,
  flags: [
    {
      option: '--native-runtime <which>',
      description: "native baseline runtime: 'image' (chroot, default) or 'host'",
      field: 'runtime',
    },
  ],
  needsImage: (e) => nativeSection(e).runtime === 'image',
  async create({ experiment: e, image, workloads }) {
    const { NativeEnvironment } = await import('./backend.js');
    return new NativeEnvironment(nativeSection(e), image, workloads);
  },
  async createOnHost({ experiment: e, image, workloads, log }, host) {
    const { RemoteNativeEnvironment } = await import('./remote.js');
    return new RemoteNativeEnvironment(nativeSection(e), image, host, workloads, (m) =>
      log(`${host.name}: native: ${m}`),
    );
  },
  async doctorOnHost({ experiment: e }, host) {
    const { CGROUP_VERSION_SCRIPT } = await import('./remoteScripts.js');
    const out = async (cmd: string) => (await host.ssh.run(cmd).catch(() => ({ stdout: '' }))).stdout.trim();
    const checks = [];
    if (nativeSection(e).limits === 'cgroup') {
      const v = await out(CGROUP_VERSION_SCRIPT);
      checks.push({
        name: 'cgroups',
        ok: v === '1' || v === '2',
        detail: v ? `v${v}: a cgroup per native worker` : 'no cgroup hierarchy: set native.limits: none',
      });
    }
    const [tool, missing] =
      nativeSection(e).runtime === 'image'
        ? ['chroot', 'chroot missing (coreutils)']
        : ['node', "node missing: native.runtime 'host' runs the host's node"];
    const at = await out(`command -v ${tool}`);
    checks.push({ name: tool, ok: at !== '', detail: at || missing });
    return checks;
  },
  async cleanOnHost({ live = [] }, host) {
    const { cleanRemoteNative } = await import('./remote.js');
    // an experiment running now on this machine may have its workers there: not leftovers
    return (await cleanRemoteNative(host, live)).map((x) => `${x} on ${host.name}`);
  },
  // a killed harness leaves worker processes in their cgroups: both found by the cgroup folders
  async leftovers({ live = [] }) {
    const { listWorkerCgroups } = await import('./cgroupLimits.js');
    const { ofLiveExperiment } = await import('../../util/live.js');
    const { segmentRuns } = await import('../segment.js');
    return [
      ...listWorkerCgroups()
        .filter((n) => !ofLiveExperiment(n, live))
        .map((n) => `native worker cgroup ${n}`),
      ...segmentRuns()
        .filter((r) => !ofLiveExperiment(r, live))
        .map((r) => `network segment of run ${r} (bridge, namespaces)`),
    ];
  },
  async clean({ live = [] }) {
    const { cleanWorkerCgroups } = await import('./cgroupLimits.js');
    const { ofLiveExperiment } = await import('../../util/live.js');
    const { removeSegment, segmentRuns } = await import('../segment.js');
    const removed = await cleanWorkerCgroups(undefined, live);
    for (const r of segmentRuns().filter((x) => !ofLiveExperiment(x, live))) removed.push(...(await removeSegment(r)));
    return removed;
  },
};
