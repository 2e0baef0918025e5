// Roles in the workload contract: the assignment of workers to roles, each worker's
// invocation, and a run with a server and clients through the fake Environment (servers
// armed and ready first, clients told their endpoints, servers stopped after the clients;
// a server that dies mid-run fails the run naming it and its clients).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { preflight } from '../../src/compose/preflight.js';
import type { Experiment } from '../../src/config/schema.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { roleInvocation } from '../../src/orchestrator/roles.js';
import { UsageError } from '../../src/util/errors.js';
import { readManifest, resolveWorkload } from '../../src/workload/manifest.js';
import { armStages, assignRoles, peerRoles, RolesSchema } from '../../src/workload/roles.js';
import { FakeEnvironment, fakeDescriptor, type WorkerScript } from '../support/fakeEnvironment.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/workloads');
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-roles-'));
afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

const roles = RolesSchema.parse({
  server: { count: 1, serve: true, port: 7007 },
  client: { count: 'rest', reports: true },
});

describe('assignRoles', () => {
  it('puts the fixed roles first in declaration order and gives the rest to the "rest" role', () => {
    expect(assignRoles(roles, 3)).toEqual([
      { role: 'server', rank: 0, serve: true },
      { role: 'client', rank: 0, serve: false },
      { role: 'client', rank: 1, serve: false },
    ]);
  });
  it('refuses a density that cannot hold the roles', () => {
    expect(assignRoles(roles, 1)).toBeNull();
    const fixed = RolesSchema.parse({ a: { count: 2, reports: true } });
    expect(assignRoles(fixed, 3)).toBeNull();
    expect(assignRoles(fixed, 2)).toHaveLength(2);
  });
  it('checks the roles themselves: one reporting role, at most one "rest", not every role serving', () => {
    expect(RolesSchema.safeParse({ a: { count: 'rest' } }).success).toBe(false);
    expect(
      RolesSchema.safeParse({ a: { count: 'rest', reports: true }, b: { count: 'rest', serve: true } }).success,
    ).toBe(false);
    expect(RolesSchema.safeParse({ a: { count: 1, serve: true, reports: true } }).success).toBe(false);
  });
});

describe('arming stages (peers)', () => {
  const cluster = RolesSchema.parse({
    scheduler: { count: 1, serve: true, port: 8786, place: 'host' },
    worker: { count: 'rest', serve: true, peers: ['scheduler'] },
    client: { count: 1, reports: true, place: 'host', peers: ['scheduler'] },
  });
  it('arms a scheduler, then its workers, then the client; each told only the roles it names', () => {
    expect(armStages(cluster)).toEqual([['scheduler'], ['worker'], ['client']]);
    expect(peerRoles(cluster, 'worker')).toEqual(['scheduler']);
    expect(peerRoles(cluster, 'client')).toEqual(['scheduler']);
    expect(peerRoles(roles, 'client')).toEqual(['server']);
    expect(peerRoles(roles, 'server')).toEqual([]);
    expect(assignRoles(cluster, 2)!.map((s) => `${s.role}${s.host ? '@host' : ''}`)).toEqual([
      'worker',
      'worker',
      'scheduler@host',
      'client@host',
    ]);
  });
  it('refuses peers that are not serving roles, and servers waiting for each other', () => {
    const bad = (r: object) => RolesSchema.safeParse(r).success;
    expect(bad({ a: { count: 1, serve: true }, c: { count: 'rest', reports: true, peers: ['c'] } })).toBe(false);
    expect(
      bad({
        a: { count: 1, serve: true, peers: ['b'] },
        b: { count: 1, serve: true, peers: ['a'] },
        c: { count: 'rest', reports: true },
      }),
    ).toBe(false);
  });
});

describe('roles placed on the host', () => {
  const hosted = RolesSchema.parse({
    server: { count: 1, serve: true, port: 7007 },
    client: { count: 'rest', reports: true, place: 'host' },
  });
  it('counts only the environment\'s workers as instances and puts the host\'s after them ("rest" there is one)', () => {
    expect(assignRoles(hosted, 1)).toEqual([
      { role: 'server', rank: 0, serve: true },
      { role: 'client', rank: 0, serve: false, host: true },
    ]);
    expect(assignRoles(hosted, 2)).toBeNull();
  });
  it('takes a placement from the config over the manifest, and refuses a role the workload does not have', () => {
    const e = experiment({ placement: { client: 'host' }, instances: [1] });
    expect(e.workloads[0]!.placement).toEqual({ client: 'host' });
    expect(() => experiment({ placement: { nope: 'host' } })).toThrow(
      'placement.nope: no workload of this experiment has a role nope (workloads: echo-pair)',
    );
    expect(() => experiment({ placement: { client: 'host', server: 'host' } })).toThrow(
      /every role of echo-pair on the host leaves nothing to measure/,
    );
    expect(() => experiment({ placement: { client: 'elsewhere' } })).toThrow(/placement\.client/);
  });
  it('refuses a schema whose every role is on the host', () => {
    expect(RolesSchema.safeParse({ a: { count: 1, reports: true, place: 'host' } }).success).toBe(false);
  });
});

describe('roleInvocation', () => {
  const echo = resolveWorkload(readManifest(path.join(FIXTURES, 'echo-pair')), 'tiny', {});
  it('tells a server its port and where to listen, a client its servers', () => {
    const base = { entry: 'echo-pair/echo-pair.mjs', args: ['--messages=200'] };
    const server = roleInvocation(
      base,
      echo,
      { role: 'server', rank: 0, serve: true },
      {
        port: 7007,
        clients: 2,
        network: 'host',
      },
    );
    expect(server).toEqual({
      entry: 'echo-pair/echo-pair.mjs',
      args: ['--messages=200', '--role=server', '--rank=0', '--clients=2', '--port=7007', '--listen=127.0.0.1'],
      serve: true,
    });
    const client = roleInvocation(
      base,
      echo,
      { role: 'client', rank: 1, serve: false },
      {
        peers: ['10.0.0.2:7007'],
        clients: 2,
        network: 'bridge',
      },
    );
    expect(client.args.slice(1)).toEqual(['--role=client', '--rank=1', '--clients=2', '--peers=10.0.0.2:7007']);
    expect(client.serve).toBeUndefined();
  });
});

function experiment(over: Record<string, unknown> = {}): Experiment {
  const e = validateExperiment(
    {
      name: 'roles',
      workloads: [{ name: 'echo-pair' }],
      workloadDirs: [FIXTURES],
      instances: [3],
      repetitions: 1,
      sampling: { intervalMs: 50, settleMs: 0, host: false },
      timeouts: { provisionS: 2, runS: 2, teardownS: 1 },
      output: { dir: OUT },
      ...over,
    },
    'test',
  );
  return { ...e, environments: ['fake'] };
}

const ECHOED = { metrics: { roundTripsPerSecond: 1000, bytesEchoed: 12800 } };

async function run(e: Experiment, script: (runId: string, i: number) => WorkerScript = () => ECHOED) {
  const fake = new FakeEnvironment({ script });
  const outcome = await runExperiment(e, {
    log: () => {},
    signal: new AbortController().signal,
    descriptors: [fakeDescriptor(fake)],
  });
  return { fake, run: outcome.runs[0]! };
}

describe('a run with a server and clients', () => {
  it('arms the server first, then the clients with its endpoint; stops it after the clients; records roles', async () => {
    const { fake, run: r } = await run(experiment());
    expect(r.reason).toBeNull();
    expect(r.status).toBe('ok');
    expect(r.network).toBe('bridge');
    expect(r.peers).toEqual(['10.0.0.2:7007']);
    const ev = fake.events;
    const armServer = ev.indexOf('arm fake-0 echo-pair/echo-pair.mjs server');
    const armClients = ev.filter((x) => x.startsWith('arm fake-') && x.endsWith('client peers 10.0.0.2:7007'));
    expect(armServer).toBeGreaterThanOrEqual(0);
    expect(armClients).toHaveLength(2);
    expect(ev.indexOf(armClients[0]!)).toBeGreaterThan(armServer);
    // the server is stopped only after both clients were released and ended
    expect(ev.indexOf('stop fake-0')).toBeGreaterThan(ev.indexOf('release fake-2'));
    expect(r.workers.map((w) => [w.worker, w.role, w.address])).toEqual([
      ['fake-0', 'server', '10.0.0.2'],
      ['fake-1', 'client', '10.0.0.3'],
      ['fake-2', 'client', '10.0.0.4'],
    ]);
    // the server's own result counts, without the clients' metrics
    expect(r.workers[0]!.metrics).toEqual({ served: 1 });
  });

  it('gives a server in the host namespace a port free on 127.0.0.1', async () => {
    const { run: r } = await run(experiment({ network: 'host' }));
    expect(r.status).toBe('ok');
    expect(r.network).toBe('host');
    expect(r.peers).toHaveLength(1);
    expect(r.peers![0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r.peers![0]).not.toBe('127.0.0.1:7007');
  });

  it('fails a run whose server dies mid-run, naming the server and the clients that lost it', async () => {
    const { fake, run: r } = await run(experiment(), (_, i) =>
      i === 0 ? { serverDiesMs: 10 } : { runMs: 300, die: { code: 1, reason: 'exit code 1' } },
    );
    expect(r.status).toBe('failed');
    expect(r.reason).toContain('fake-0 (role server) ended while its clients ran: exit code 1 — crashed');
    expect(r.reason).toContain('fake-1 (role client): exit code 1');
    expect(fake.events.filter((x) => x.startsWith('teardown'))).toHaveLength(1);
  });

  it('names the worker, its role and its port when a server never becomes ready', async () => {
    const { run: r } = await run(experiment(), (_, i) => (i === 0 ? { neverReady: true } : {}));
    expect(r.status).toBe('failed');
    expect(r.reason).toBe(
      'fake-0 (role server, listening on port 7007): waiting for its ready line timed out after 2 s',
    );
  });
});

describe('a run with its client on the host', () => {
  async function hosted(over: Record<string, unknown> = {}) {
    const events: string[] = [];
    const fake = new FakeEnvironment({ name: 'fake', events, script: () => ECHOED });
    const host = new FakeEnvironment({ name: 'side', events, script: () => ECHOED });
    const outcome = await runExperiment(experiment({ placement: { client: 'host' }, instances: [1], ...over }), {
      log: () => {},
      signal: new AbortController().signal,
      descriptors: [fakeDescriptor(fake), fakeDescriptor(host, true)],
    });
    return { events, fake, host, run: outcome.runs[0]! };
  }

  it("provisions the environment's server, then the client on the host joining its segment; tears the host side down first", async () => {
    const { events, fake, host, run: r } = await hosted();
    expect(r.reason).toBeNull();
    expect(r.status).toBe('ok');
    const provisions = events.filter((x) => /^(provision|segmentPort)/.test(x));
    expect(provisions.map((x) => x.replace(/ [0-9a-f]{6}-\S+/, ''))).toEqual([
      'provision x1',
      'segmentPort fake',
      'provision x1 on the host joining br-fake',
    ]);
    expect(events.indexOf('arm fake-0 echo-pair/echo-pair.mjs server')).toBeLessThan(
      events.indexOf('arm host-0 echo-pair/echo-pair.mjs client peers 10.0.0.2:7007'),
    );
    const teardowns = events.filter((x) => x.startsWith('teardown'));
    expect(teardowns.map((x) => x.replace(/ [0-9a-f]{6}-\S+/, ''))).toEqual(['teardown (side)', 'teardown (fake)']);
    expect(r.workers.map((w) => [w.worker, w.role, w.address, w.onHost ?? false])).toEqual([
      ['fake-0', 'server', '10.0.0.2', false],
      ['host-0', 'client', '10.0.0.254', true],
    ]);
    expect(fake.alive.size + host.alive.size).toBe(0);
    // the host side is closed with the experiment, before the environments
    expect(events.findIndex((x) => x.startsWith('cleanExperiment side'))).toBeLessThan(
      events.findIndex((x) => x.startsWith('cleanExperiment fake')),
    );
  });

  it('in the host namespace the client joins nothing', async () => {
    const { events, run: r } = await hosted({ network: 'host' });
    expect(r.status).toBe('ok');
    expect(events.some((x) => x.startsWith('segmentPort'))).toBe(false);
    expect(events.some((x) => /provision .* x1 on the host$/.test(x))).toBe(true);
    expect(r.peers![0]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('needs a backend for the host side', async () => {
    const fake = new FakeEnvironment();
    await expect(
      runExperiment(experiment({ placement: { client: 'host' }, instances: [1] }), {
        log: () => {},
        signal: new AbortController().signal,
        descriptors: [fakeDescriptor(fake)],
      }),
    ).rejects.toThrow('roles placed on the host: this build has no backend for them');
  });
});

describe('networks and roles before anything starts', () => {
  const base = { workloads: [{ name: 'echo-pair' }], workloadDirs: [FIXTURES], output: { dir: OUT } };
  const check = (over: Record<string, unknown>) => () =>
    preflight(validateExperiment({ ...base, ...over }, 'test'), () => {});
  it('refuses a density that cannot hold the roles, naming the field', () => {
    expect(check({ environments: ['native'], instances: [1] })).toThrow(UsageError);
    expect(check({ environments: ['native'], instances: [1] })).toThrow(
      'instances: 1 worker(s) cannot hold the roles of echo-pair (1 server + 1 or more client)',
    );
  });
  it('refuses a network an environment cannot give: a VM has no host network', () => {
    expect(check({ environments: ['qemu'], instances: [2], network: 'host' })).toThrow(
      /echo-pair runs with network host, which qemu cannot give \(a VM has a kernel and network stack of its own/,
    );
  });
  it('refuses roles without a network', () => {
    expect(() => validateExperiment({ ...base, network: 'none' }, 'test')).toThrow(/roles .* talk to each other/);
  });
  it('accepts what the environments can give', () => {
    expect(check({ environments: ['native', 'docker'], instances: [2, 3] })).not.toThrow();
  });
  it('over the hosts section: bridge where it spans hosts (docker, gVisor, native), never host; environments run here are not concerned', () => {
    const key = path.join(OUT, 'key');
    fs.writeFileSync(key, '');
    const hosts = (environments: string[]) => [
      { name: 'h1', ssh: { host: '10.88.0.1', key }, environments },
      { name: 'h2', ssh: { host: '10.88.0.2', key }, environments },
    ];
    expect(check({ environments: ['native'], instances: [2], hosts: hosts(['native']) })).not.toThrow();
    expect(check({ environments: ['docker'], instances: [2], hosts: hosts(['docker']) })).not.toThrow();
    expect(check({ environments: ['qemu'], instances: [2], hosts: hosts(['qemu']) })).toThrow(
      "network: echo-pair runs with network bridge on the hosts section's qemu: qemu's network bridge does not span hosts yet (built for: docker, gvisor, native; docs/hosts.md)",
    );
    expect(check({ environments: ['native'], instances: [2], network: 'host', hosts: hosts(['native']) })).toThrow(
      "a worker on one host cannot reach another host's 127.0.0.1",
    );
    // docker on this machine beside native on the hosts
    expect(check({ environments: ['docker', 'native'], instances: [2], hosts: hosts(['native']) })).not.toThrow();
  });
});
