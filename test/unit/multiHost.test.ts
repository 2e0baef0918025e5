// Workers spread over hosts: whatever fails on a host's connection (arm, a sampler's
// start, the stream of a running worker) names the worker and the host.
import { describe, expect, it } from 'vitest';
import { MultiHostEnvironment } from '../../src/environments/multiHost.js';
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
    cleanAll: () => inner.cleanAll(),
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
