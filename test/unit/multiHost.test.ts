// Workers spread over hosts: whatever fails on a host's connection (arm, a sampler's
// start, the stream of a running worker) names the worker and the host.
import { describe, expect, it } from 'vitest';
import { MultiHostEnvironment, SPANNING_MTU, segmentSpans, vniOf } from '../../src/environments/multiHost.js';
import {
  endpointUpScript,
  segmentCleanScript,
  segmentDownScript,
  segmentUpScript,
} from '../../src/environments/native/remoteSegment.js';
import { overlayCleanScript, overlayDownScript, overlayUpScript } from '../../src/environments/overlay.js';
import { segmentNames } from '../../src/environments/segment.js';
import type { ArmedWorkload, Environment, WorkerHandle } from '../../src/environments/types.js';
import type { RemoteHost } from '../../src/hosts/remote.js';
import { FakeEnvironment } from '../support/fakeEnvironment.js';

const host = (name: string) => ({ name, config: { weight: 1 } }) as unknown as RemoteHost;
const req = (count: number) => ({
  runId: 'x-001',
  count,
  allocation: () => ({ cpus: 1, memoryBytes: 2 ** 30, cpuset: null }),
  signal: new AbortController().signal,
  artifactsDir: '/tmp',
  network: 'none' as const,
});

/** A backend whose worker's exit stream breaks instead of ending. */
function brokenStream(inner: Environment): Environment {
  return {
    ...inner,
    name: inner.name,
    prepare: () => inner.prepare(),
    describe: () => inner.describe(),
    teardown: (id) => inner.teardown(id),
    cleanExperiment: (id) => inner.cleanExperiment(id),
    async provision(r) {
      return (await inner.provision(r)).map(
        (h): WorkerHandle => ({
          ...h,
          arm: async (inv, onLine) => {
            const a = await h.arm(inv, onLine);
            return { ...a, exit: Promise.reject(new Error('No response from server')) } as ArmedWorkload;
          },
          samplers: (i) => h.samplers(i),
        }),
      );
    },
  };
}

describe('MultiHostEnvironment', () => {
  const inv = { entry: 'fixture/fixture.mjs', args: [] };

  it('names the worker and the host when arming fails there', async () => {
    const h2 = new FakeEnvironment({ script: () => ({ failArm: 'Timed out while waiting for handshake' }) });
    const env = new MultiHostEnvironment('native', [
      { host: host('h1'), env: new FakeEnvironment() },
      { host: host('h2'), env: h2 },
    ]);
    const [w0, w1] = await env.provision(req(2));
    expect(w1!.host).toBe('h2');
    await expect(w0!.arm(inv, () => {})).resolves.toBeDefined();
    await expect(w1!.arm(inv, () => {})).rejects.toThrow(
      /^native-1: host h2: fake-0: Timed out while waiting for handshake$/,
    );
  });

  it("names the host in a sampler's failure to start and in a broken worker stream", async () => {
    const h1 = new FakeEnvironment({ script: () => ({ samplerStartFails: 'Timed out while waiting for handshake' }) });
    const env = new MultiHostEnvironment('native', [{ host: host('h1'), env: brokenStream(h1) }]);
    const [w] = await env.provision(req(1));
    const [s] = w!.samplers(50);
    await expect(
      s!.start(
        () => {},
        () => {},
      ),
    ).rejects.toThrow('host h1: Timed out while waiting for handshake');
    const armed = await w!.arm(inv, () => {});
    await expect(armed.exit).resolves.toEqual({
      code: null,
      reason: 'host h1: No response from server',
      stderrTail: '',
    });
  });
});

describe('a segment spanning hosts', () => {
  const addresses = ['10.88.0.1', '10.88.0.2', '10.88.0.3'];
  it("gives each host its workers' run-wide indices and an overlay to every other host with workers", () => {
    const spans = segmentSpans('e-001', [0, 1, 0, 1], addresses);
    const vni = vniOf('e-001');
    expect(spans[0]).toEqual({
      indices: [0, 2],
      hostIndex: 0,
      vxlan: { vni, local: '10.88.0.1', peers: ['10.88.0.2'] },
      mtu: SPANNING_MTU,
    });
    expect(spans[1]!.indices).toEqual([1, 3]);
    expect(spans[1]!.vxlan!.peers).toEqual(['10.88.0.1']);
    // h3 has no workers: nobody floods to it
    expect(spans[2]!.indices).toEqual([]);
  });
  it('needs no overlay when every worker is on one host', () => {
    expect(segmentSpans('e-001', [0, 0], addresses.slice(0, 1))).toEqual([
      { indices: [0, 1], hostIndex: 0, vxlan: null, mtu: 1500 },
    ]);
  });
  it('gives each run its own 24-bit VXLAN id, never 0', () => {
    const ids = ['a-001', 'a-002', 'b-001'].map(vniOf);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id > 0 && id < 2 ** 24).toBe(true);
  });
  it("writes the host's part: bridge, overlay with a flood entry per peer only, a namespace per worker", () => {
    const n = segmentNames('e-001');
    const vxlan = { vni: 7, local: '10.88.0.2', peers: ['10.88.0.1'] };
    const s = segmentUpScript('e-001', { indices: [1, 3], hostIndex: 1, vxlan, mtu: 1450 });
    const o = overlayUpScript('e-001', n.bridge, vxlan, 1450);
    expect(o).toContain(`ip link add ${n.vxlan} mtu 1450 type vxlan id 7 dstport 4789 local 10.88.0.2 nolearning`);
    expect(o.match(/bridge fdb append/g)).toHaveLength(1);
    expect(o).toContain('bridge fdb append 00:00:00:00:00:00 dev');
    expect(o).toContain(`ip link set ${n.vxlan} master ${n.bridge} up`);
    expect(overlayDownScript('e-001')).toContain(`ip link del ${n.vxlan}`);
    // the end of an experiment: its own overlays only; clean --hosts: every one but the live ones'
    expect(overlayCleanScript([], 'e')).toMatch(/case "\$a-" in '?versus-e'?-\*\) ip link del/);
    expect(overlayCleanScript(['e'])).toMatch(/'?versus-e'?-\*\) continue;; \*\) ip link del/);
    expect(s).toMatch(/ip -n '?versus-e-001-1'? addr add 10\.77\.0\.3\/16 dev eth0/);
    expect(s).toMatch(/ip -n '?versus-e-001-3'? addr add 10\.77\.0\.5\/16 dev eth0/);
    expect(s).not.toMatch(/route|nat|masquerade/i);
    expect(endpointUpScript('e-001', 0, n.bridge, '10.77.255.254/16', 1450)).toContain(
      `ip link add ${n.endpointVeth(0)} mtu 1450`,
    );
    expect(segmentDownScript('e-001', ['versus-e-001-1'])).toContain(`${n.vxlan}*`);
    expect(segmentCleanScript(['e'])).toMatch(/'?versus-e'?-\*\) return 0/);
  });
});
