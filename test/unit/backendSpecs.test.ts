// What backends build before they run anything: the image spec, a container's spec, the native command line.
import { describe, expect, it } from 'vitest';
import { containerSpec, exitReason, runNetworkSpec } from '../../src/environments/docker/spec.js';
import { NativeEnvironment } from '../../src/environments/native/backend.js';
import { engineSpanOctet, segmentNames } from '../../src/environments/segment.js';
import type { ImageManifest } from '../../src/image/manifest.js';
import { IMAGE_SPEC, imageHash, mirrorFromAptSources } from '../../src/image/spec.js';
import type { WorkloadBundle } from '../../src/workload/bundle.js';
// the backends' views (kinds, sample sources) for results that do not record them, as the CLI has them
import '../../src/compose/registry.js';

describe('worker image spec', () => {
  it('has a stable content hash that changes with its inputs', () => {
    expect(imageHash()).toBe(imageHash());
    expect(imageHash({ ...IMAGE_SPEC, packages: [...IMAGE_SPEC.packages, 'vim'] } as never)).not.toBe(imageHash());
  });

  it("reads the host's mirror from deb822 and one-line apt sources", () => {
    const deb822 =
      'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n';
    expect(mirrorFromAptSources([deb822], 'bookworm')).toBe('http://mirror.example/debian');
    expect(mirrorFromAptSources(['deb [arch=amd64] http://m.example/debian bookworm main\n'], 'bookworm')).toBe(
      'http://m.example/debian',
    );
    expect(
      mirrorFromAptSources(['Types: deb\nURIs: http://x\nSuites: bookworm\nEnabled: no\n'], 'bookworm'),
    ).toBeNull();
    expect(mirrorFromAptSources([''], 'bookworm')).toBeNull();
  });
});

const allocation = { cpus: 1.5, memoryBytes: 512 * 2 ** 20, cpuset: [1] };

describe('docker container spec', () => {
  const spec = containerSpec({
    image: 'versus/worker:abc',
    name: 'versus-r-docker-0',
    runId: 'r',
    worker: 'docker-0',
    allocation,
    invocation: { entry: 'pagerank/pagerank.mjs', args: ['--pages=5'] },
    workloadsDir: '/src/workloads',
  });

  it('runs without a network, unprivileged, with limits always set', () => {
    expect(spec.NetworkDisabled).toBe(true);
    expect(spec.HostConfig?.NetworkMode).toBe('none');
    expect(spec.HostConfig?.Privileged).toBe(false);
    expect(spec.HostConfig?.NanoCpus).toBe(1.5e9);
    expect(spec.HostConfig?.Memory).toBe(512 * 2 ** 20);
    expect(spec.HostConfig?.MemorySwap).toBe(512 * 2 ** 20);
    expect(spec.HostConfig?.CpusetCpus).toBe('1');
    expect(spec.HostConfig?.CapDrop).toEqual(['ALL']);
  });

  it('mounts the workloads read-only, labels the run and passes arguments as an array', () => {
    expect(spec.HostConfig?.Binds).toEqual(['/src/workloads:/opt/versus/workloads:ro']);
    expect(spec.Labels).toMatchObject({ 'versus.owner': 'versus', 'versus.run': 'r' });
    expect(spec.Cmd).toEqual([
      '/usr/bin/node',
      '/opt/versus/workloads/barrier.mjs',
      'pagerank/pagerank.mjs',
      '--pages=5',
    ]);
    expect(spec.Env?.join(' ')).not.toMatch(/DOCKER|SSH|TOKEN/);
  });
});

describe("a run's engine network", () => {
  it('is internal on the bridge versus names; spanning hosts, a fixed subnet, a gateway per host and the overlay MTU', () => {
    const alone = runNetworkSpec('e-001');
    expect(alone.Internal).toBe(true);
    expect(alone.IPAM).toBeUndefined();
    expect(alone.Options).toEqual({ 'com.docker.network.bridge.name': segmentNames('e-001').engineBridge });
    const b = engineSpanOctet('e-001');
    expect(b >= 64 && b < 128).toBe(true);
    const spanning = runNetworkSpec('e-001', { indices: [1], hostIndex: 1, vxlan: null, mtu: 1450 });
    expect(spanning.IPAM!.Config).toEqual([{ Subnet: `10.${b}.0.0/16`, Gateway: `10.${b}.254.2` }]);
    expect(spanning.Options!['com.docker.network.driver.mtu']).toBe('1450');
  });
  it("puts a container at the address the harness picked (the other hosts' engines do not know it)", () => {
    const spec = containerSpec({
      image: 'i',
      name: 'n',
      runId: 'r',
      worker: 'docker-0',
      allocation: { cpus: 1, memoryBytes: 2 ** 30, cpuset: null },
      invocation: { entry: 'x/x.mjs', args: [] },
      workloadsDir: '/w',
      network: { mode: 'bridge', name: 'versus-r', ip: '10.90.0.3' },
    });
    expect(spec.NetworkingConfig).toEqual({
      EndpointsConfig: { 'versus-r': { IPAMConfig: { IPv4Address: '10.90.0.3' } } },
    });
    expect(spec.HostConfig!.NetworkMode).toBe('versus-r');
  });
});

describe('native command', () => {
  const image = { rootfs: '/cache/rootfs' } as ImageManifest;
  it("runs the image's node through chroot, the experiment's workloads bind-mounted, pinned with taskset when asked", () => {
    const bundle = { dir: '/project/workloads', hash: 'h' } as unknown as WorkloadBundle;
    const env = new NativeEnvironment({ runtime: 'image', limits: 'none' }, image, bundle);
    const c = env.command({ entry: 'pagerank/pagerank.mjs', args: ['--x=1'] }, allocation);
    const argv = [c.cmd, ...c.args];
    expect(argv.slice(0, 8)).toEqual(['taskset', '-c', '1', 'unshare', '-m', '--propagation', 'private', 'sh']);
    // sh -c <script> versus-native <tree> <workloads> <proc?> then the worker's own argv
    expect(argv.slice(10)).toEqual([
      'versus-native',
      '/cache/rootfs',
      '/project/workloads',
      '0',
      '/usr/bin/node',
      '/opt/versus/workloads/barrier.mjs',
      'pagerank/pagerank.mjs',
      '--x=1',
    ]);
    // read-only over the tree's copy, then chroot: the shared tree is never written
    expect(argv[9]).toContain('mount --bind "$wl" "$t" && mount -o remount,bind,ro "$t"');
    expect(argv[9]).toContain('exec chroot "$root" "$@"');
    const networked = env.command({ entry: 'e.mjs', args: [] }, allocation, true);
    expect(networked.args[12]).toBe('1');
    const host = new NativeEnvironment({ runtime: 'host', limits: 'none' }, null).command(
      { entry: 'e.mjs', args: [] },
      { ...allocation, cpuset: null },
    );
    expect(host.cmd).toBe(process.execPath);
  });
});

describe('why a container ended', () => {
  const base = { statusCode: 0, state: {}, killedByHarness: false, memoryBytes: 2 ** 30 };
  it('tells an OOM kill, a kill from outside, a removal from outside and a plain exit apart', () => {
    expect(exitReason(base)).toBeNull();
    expect(exitReason({ ...base, statusCode: 137, state: { OOMKilled: true } })).toBe(
      'OOMKilled (memory limit 1073741824 bytes)',
    );
    expect(exitReason({ ...base, statusCode: 137 })).toMatch(
      /^killed by SIGKILL from outside versus .*; exit code 137$/,
    );
    expect(exitReason({ ...base, statusCode: 143 })).toMatch(/^killed by SIGTERM from outside versus/);
    expect(exitReason({ ...base, statusCode: 137, state: null })).toMatch(
      /^the container was removed from outside versus/,
    );
    // versus's own kill (a run's deadline, an interrupt) is no outside kill
    expect(exitReason({ ...base, statusCode: 137, killedByHarness: true })).toBe('exit code 137');
    expect(exitReason({ ...base, statusCode: 3 })).toBe('exit code 3');
  });
});
