import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { ENVIRONMENTS } from '../../src/compose/registry.js';
import { listWorkerCgroups } from '../../src/environments/native/cgroupLimits.js';
import { ensureImage } from '../../src/image/build.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { readSamples } from '../../src/results/store.js';
import { GUEST_WORKLOADS_DIR } from '../../src/util/paths.js';
import { tmpDir } from './helpers.js';

/** One native run of the calibration load: one thread spinning all the time, on half a CPU. */
async function spinOnHalfACpu(limits: 'cgroup' | 'none') {
  await ensureImage();
  const e = validateExperiment(
    {
      name: `it-native-${limits}`,
      environments: ['native'],
      instances: [1],
      repetitions: 1,
      workload: { name: 'calibrate', preset: 'd100', params: { seconds: 4 } },
      worker: { cpus: 0.5, memoryMiB: 512 },
      native: { limits },
      sampling: { intervalMs: 250, settleMs: 200 },
      output: { dir: tmpDir('native-limits') },
    },
    'test',
  );
  const { dir, runs } = await runExperiment(e, {
    log: () => {},
    signal: new AbortController().signal,
    descriptors: ENVIRONMENTS,
  });
  const { experimentId } = JSON.parse(fs.readFileSync(`${dir}/experiment.json`, 'utf8')) as { experimentId: string };
  ids.push(experimentId);
  return { dir, run: runs[0]! };
}

/** This file's experiments (another experiment on the machine may have cgroups of its own). */
const ids: string[] = [];
const mine = () => listWorkerCgroups().filter((name) => ids.some((id) => name.startsWith(`${id}-`)));

describe('native workers get the allocation a container gets', () => {
  it('holds a worker that wants a whole CPU to its half-CPU quota, in a cgroup of its own, and records it', async () => {
    const { dir, run } = await spinOnHalfACpu('cgroup');
    expect(run.status, run.reason ?? '').toBe('ok');
    const w = run.workers[0]!;
    expect(w.limits).toMatchObject({ cpus: 0.5, memoryBytes: 512 * 2 ** 20 });
    expect(w.limits!.via).toMatch(/^cgroup v[12] /);
    // the kernel's account of the workload: about half a CPU, not the whole one it asked for
    expect(w.metrics!.processCpuPct).toBeGreaterThan(35);
    expect(w.metrics!.processCpuPct).toBeLessThan(60);
    // the host's view of the process says the same (% of the 0.5 CPU allocated)
    const running = readSamples(`${dir}/samples.ndjson`).filter(
      (s) => s.source === 'process' && s.t > 1 && s.t < run.makespanS! - 1,
    );
    const mean = running.reduce((a, s) => a + s.user + s.system, 0) / running.length;
    expect(mean).toBeGreaterThan(70);
    expect(mean).toBeLessThan(120);
    expect(mine()).toEqual([]);
  });

  it('runs unconstrained when asked (native.limits: none), and says so', async () => {
    const { run } = await spinOnHalfACpu('none');
    expect(run.status, run.reason ?? '').toBe('ok');
    expect(run.workers[0]!.limits).toMatchObject({ cpus: null, memoryBytes: null, via: 'none' });
    expect(run.workers[0]!.metrics!.processCpuPct).toBeGreaterThan(80);
  });

  it('leaves no worker cgroup behind, nor the folder that held them', () => {
    expect(ids).toHaveLength(2);
    expect(mine()).toEqual([]);
    // the folder goes with the last worker cgroup on the machine, whoever's it was
    if (listWorkerCgroups().length) return;
    for (const dir of [
      '/sys/fs/cgroup/versus-native',
      '/sys/fs/cgroup/memory/versus-native',
      '/sys/fs/cgroup/cpu/versus-native',
    ])
      expect(fs.existsSync(dir), dir).toBe(false);
  });
});

describe("native workers in the image's tree", () => {
  it("run their experiment's own workloads without writing the tree every experiment on the host shares", async () => {
    const image = await ensureImage();
    const tree = path.join(image.rootfs, GUEST_WORKLOADS_DIR);
    // the folder itself, not only its names: a copy made over it is a new folder
    const seen = () => ({ names: fs.readdirSync(tree).sort(), ino: fs.statSync(tree).ino });
    const before = seen();
    const e = validateExperiment(
      {
        name: 'it-native-tree',
        environments: ['native'],
        instances: [1],
        repetitions: 1,
        workloads: [{ name: 'fixture' }],
        workloadDirs: [path.resolve('test/fixtures/workloads')],
        sampling: { intervalMs: 250, settleMs: 200 },
        canary: false,
        output: { dir: tmpDir('native-tree') },
      },
      'test',
    );
    const { runs } = await runExperiment(e, {
      log: () => {},
      signal: new AbortController().signal,
      descriptors: ENVIRONMENTS,
    });
    // the fixture ran from the experiment's bundle, bind-mounted over the tree's copy in the worker's own namespace
    expect(runs[0]!.status, runs[0]!.reason ?? '').toBe('ok');
    expect(seen()).toEqual(before);
  });
});
