import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { checkHostLimits, type HostLimitFacts } from '../../src/compose/hostLimits.js';
import { docker } from '../../src/environments/docker/index.js';
import { qemu } from '../../src/environments/qemu/index.js';
import '../../src/compose/registry.js';
import { sweepEnvironment } from '../../src/orchestrator/bootSweep.js';
import { bootSweepPage, summarizeSweep } from '../../src/report/bootSweep.js';
import { type BootInstanceRecord, type BootRecord, groupBootRecords } from '../../src/results/bootSweep.js';
import { overheadPairs } from '../../src/results/views.js';
import type { MemInfo } from '../../src/sampling/procstat.js';
import { linearFit } from '../../src/stats/linear.js';
import { FakeEnvironment } from '../support/fakeEnvironment.js';

const MIB = 2 ** 20;

function sweepExperiment(instances: number[], memoryFloorMiB = 1) {
  return validateExperiment(
    { name: 'sweep', sweep: { instances, memoryFloorMiB, intervalMs: 100, settleMs: 0 }, timeouts: { provisionS: 1 } },
    'test',
  );
}

/** A host whose memory rises by perInstance with each instance the fake has alive. */
function fakeHost(fake: FakeEnvironment, perInstance: number, totalMiB = 1000): () => MemInfo {
  return () => {
    const used = 100 * MIB + perInstance * [...fake.alive.values()].reduce((a, b) => a + b, 0);
    const total = totalMiB * MIB;
    return {
      totalBytes: total,
      usedBytes: used,
      availableBytes: total - used,
      cachedBytes: 0,
      freeBytes: total - used,
    };
  };
}

async function sweep(
  fake: FakeEnvironment,
  instances: number[],
  floorMiB = 1,
  perInstance = 30 * MIB,
  signal = new AbortController().signal,
) {
  const records: BootRecord[] = [];
  const log: string[] = [];
  const end = await sweepEnvironment('fake', fake, {
    experiment: sweepExperiment(instances, floorMiB),
    experimentId: 'ab12cd',
    dir: '/nonexistent',
    signal,
    log: (m) => log.push(m),
    write: (r) => records.push(r),
    onSamples: () => {},
    hostMemory: fakeHost(fake, perInstance),
  });
  return { end, records, log };
}

describe('boot sweep', () => {
  it('starts instances one after another to the largest point, each idle until the end, then tears every one down', async () => {
    const fake = new FakeEnvironment({ script: () => ({ provisionMs: 5 }) });
    const { end, records } = await sweep(fake, [2, 4, 5]);
    expect(end).toEqual({ reached: 5, stopped: null });
    const instances = records.filter((r): r is BootInstanceRecord => r.type === 'instance');
    expect(instances.map((r) => r.instance)).toEqual([1, 2, 3, 4, 5]);
    // one at a time: the n-th provisioned while n − 1 were alive, none torn down before the last
    const provisions = fake.events.filter((e) => e.startsWith('provision') || e.startsWith('teardown'));
    expect(provisions.slice(0, 5).every((e) => e.startsWith('provision'))).toBe(true);
    expect(instances.every((r, i) => i === 0 || r.cumulativeS >= instances[i - 1]!.cumulativeS)).toBe(true);
    expect(instances.map((r) => r.hostMemUsedBytes)).toEqual([1, 2, 3, 4, 5].map((n) => 100 * MIB + n * 30 * MIB));
    expect(records[0]!.type).toBe('baseline');
    expect(records.at(-1)).toMatchObject({ type: 'end', reached: 5, target: 5, stopped: null });
    expect(fake.alive.size).toBe(0);
    expect(fake.events.filter((e) => e.startsWith('kill'))).toHaveLength(5);
    // Fig. 4's slope: 30 MiB per instance, exactly, with a zero-width interval
    const [s] = summarizeSweep(groupBootRecords(records));
    expect(s!.slopeBytes! / MIB).toBeCloseTo(30, 6);
    expect(s!.slopeCi95Bytes! / MIB).toBeCloseTo(0, 6);
  });

  it('stops at the memory floor, says so, and tears down what it started', async () => {
    const fake = new FakeEnvironment();
    // 1000 MiB host, 100 used, 200 MiB an instance: after the 3rd, 300 MiB available < 400
    const { end, records, log } = await sweep(fake, [8], 400, 200 * MIB);
    expect(end.reached).toBe(3);
    expect(end.stopped).toMatch(
      /MemAvailable \(300 MiB\) fell below the memory floor \(400 MiB, sweep.memoryFloorMiB\) after instance 3/,
    );
    expect(log.join('\n')).toContain('fake: stopped: the host');
    expect(records.at(-1)).toMatchObject({ type: 'end', reached: 3, target: 8 });
    expect(fake.alive.size).toBe(0);
  });

  it('stops at the first instance that does not come up, naming it, and tears that one down too', async () => {
    const fake = new FakeEnvironment({
      script: (runId) => (runId.endsWith('-3') ? { failProvision: 'no room at the inn' } : {}),
    });
    const { end } = await sweep(fake, [2, 4]);
    expect(end).toEqual({ reached: 2, stopped: 'instance 3 did not come up: no room at the inn' });
    expect(fake.events.filter((e) => e.startsWith('teardown'))).toHaveLength(3);
    expect(fake.alive.size).toBe(0);
  });

  it('stops at an interrupt (Ctrl-C) while an instance starts, saying so, and tears down every one', async () => {
    const controller = new AbortController();
    const fake = new FakeEnvironment({
      script: () => ({ provisionMs: 20 }),
      onEvent: (ev) => {
        if (ev.startsWith('provision') && ev.includes('-boot-fake-3')) controller.abort();
      },
    });
    const { end } = await sweep(fake, [10], 1, 30 * MIB, controller.signal);
    // the third finishes starting or is cut short, depending on where the interrupt lands
    expect(end.reached).toBeGreaterThanOrEqual(2);
    expect(end.reached).toBeLessThanOrEqual(3);
    expect(end.stopped).toMatch(/^interrupted/);
    expect(fake.alive.size).toBe(0);
  });

  it('draws Fig. 3 and Fig. 4 with the paper beside, and a table row per environment', () => {
    const rec = (env: string, instance: number, mem: number): BootInstanceRecord => ({
      type: 'instance',
      env,
      instance,
      provisionS: 0.1,
      readyS: 0.2,
      cumulativeS: 0.2 * instance,
      hostMemUsedBytes: mem,
      hostMemAvailableBytes: 0,
      instanceMemBytes: 20 * MIB,
      instanceMemSource: 'cgroup',
      at: '',
    });
    const s = groupBootRecords([
      { type: 'baseline', env: 'docker', hostMemUsedBytes: 0, at: '' },
      rec('docker', 1, 31 * MIB),
      rec('docker', 2, 59 * MIB),
      rec('docker', 3, 91 * MIB),
      { type: 'end', env: 'docker', target: 4, reached: 3, stopped: 'the floor', teardownS: 1, at: '' },
    ]);
    const page = bootSweepPage(s, { steps: [2, 4], title: 't', facts: [] });
    expect(page.figures.map((f) => f.id)).toEqual(['fig3-boot', 'fig4-memory']);
    const row = page.tables[0]!.rows[0]!;
    expect(row.slice(0, 3)).toEqual(['Containers (docker)', '3 / 4', 'the floor']);
    expect(row[4]).toBe('30.1 ± 2.2');
    expect(row[6]).toBe('0.03');
    expect(page.warnings).toEqual(['Containers (docker): stopped at 3: the floor']);
  });
});

describe('a least-squares slope with its interval', () => {
  it('is exact on a line and widens with scatter', () => {
    expect(
      linearFit([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toMatchObject({ slope: 2, intercept: 1, slopeCi95: 0, n: 3 });
    const noisy = linearFit([
      [0, 1],
      [1, 3.5],
      [2, 4.5],
      [3, 7.2],
    ])!;
    expect(noisy.slope).toBeGreaterThan(1.5);
    expect(noisy.slopeCi95!).toBeGreaterThan(0.1);
    expect(linearFit([[1, 1]])).toBeNull();
    expect(
      linearFit([
        [0, 1],
        [1, 2],
      ])!.slopeCi95,
    ).toBeNull();
  });
});

describe("the host's limits instead of a cap", () => {
  const roomy: HostLimitFacts = {
    pidMax: 4194304,
    threadsMax: 190000,
    threadsNow: 300,
    openFiles: 1048576,
    openFilesNow: 40,
    localPorts: 28232,
    memAvailableMiB: 22000,
  };
  it('lets 512 containers through on a roomy host', () => {
    expect(checkHostLimits(512, [{ name: 'docker', cost: docker.hostCost }], 1024, roomy)).toEqual({
      refusals: [],
      warnings: [],
    });
  });
  it('names each limit a number passes, and warns on memory', () => {
    const tight = { ...roomy, pidMax: 5000, openFiles: 1024, localPorts: 600 };
    const { refusals, warnings } = checkHostLimits(512, [{ name: 'qemu', cost: qemu.hostCost }], 1024, tight);
    expect(refusals.join('\n')).toMatch(/kernel.pid_max/);
    expect(refusals.join('\n')).toMatch(/ulimit -n/);
    expect(refusals.join('\n')).toMatch(/ip_local_port_range/);
    expect(warnings.join('\n')).toMatch(/524288 MiB .*1024 MiB of guest RAM each.*22000 MiB available/);
  });
});

describe('the microVM between sandbox and VM', () => {
  it('is compared with containers, and VMs with it', () => {
    const labels = overheadPairs(['docker', 'microvm', 'qemu', 'native']).map(([, , l]) => l);
    expect(labels).toEqual(expect.arrayContaining(['microVM/container', 'VM/microVM', 'microVM/native']));
  });
});
