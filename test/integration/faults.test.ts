import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExperimentInput } from '../../src/compose/config.js';
import { validateExperiment } from '../../src/compose/config.js';
import { ENVIRONMENTS } from '../../src/compose/registry.js';
import { ensureImage } from '../../src/image/build.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { summarize } from '../../src/results/summary.js';
import { docker, labelledContainers, qemuPids, tmpDir } from './helpers.js';

/** `during` gets a promise of the first run's barrier passed (its workers running). */
async function experiment(overrides: ExperimentInput, during?: (running: Promise<void>) => Promise<void>) {
  await ensureImage();
  const e = validateExperiment(
    {
      name: 'fault',
      instances: [1],
      repetitions: 1,
      warmup: 0,
      sampling: { intervalMs: 250, settleMs: 200 },
      output: { dir: tmpDir('faults') },
      ...overrides,
    },
    'test',
  );
  let passed = () => {};
  const running = new Promise<void>((resolve) => {
    passed = resolve;
  });
  const log = (m: string) => {
    if (m.endsWith(': running')) passed();
  };
  const outcome = runExperiment(e, { log, signal: new AbortController().signal, descriptors: ENVIRONMENTS });
  // an experiment that ends before any barrier must not leave `during` waiting
  outcome.then(passed, passed);
  await during?.(running);
  return outcome;
}

async function waitFor<T>(probe: () => Promise<T | null> | T | null, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('worker faults on real engines: the run fails with its reason, the experiment goes on, nothing remains', () => {
  it('a container that runs out of memory is failed as OOMKilled', async () => {
    const { runs } = await experiment({
      environments: ['docker'],
      worker: { memoryMiB: 80 },
      // the workload's own memory check would refuse first: lift it to let the kernel kill
      workload: { preset: 'tiny', params: { pages: 1500000, 'max-memory-mb': 100000 } },
    });
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.reason).toContain('OOMKilled');
    expect(await labelledContainers()).toEqual([]);
  });

  it('a workload that crashes is failed with the tail of its stderr', async () => {
    const { runs } = await experiment({
      environments: ['docker', 'native'],
      workload: { preset: 'tiny', params: { graph: 'file', input: '/nonexistent/graph.txt' } },
    });
    for (const r of runs) {
      expect(r.status).toBe('failed');
      expect(r.reason).toContain('exit code 2');
      expect(r.reason).toContain('cannot open edge list /nonexistent/graph.txt');
    }
    expect(await labelledContainers()).toEqual([]);
  });

  it('a worker userland that computes a different answer fails as a checksum mismatch, never as fast', async () => {
    // a real fault, no mock: the native baseline's userland (the image tree it chroots into)
    // gets a node whose Math.imul is wrong in the high bits, as a broken runtime would be —
    // the workload's own checks still pass (ranks sum to 1), its answer differs. Containers
    // run the image's own node; the workloads are the experiment's in both.
    const image = await ensureImage();
    const node = path.join(image.rootfs, 'usr/bin/node');
    const real = path.join(image.rootfs, 'usr/bin/node.versus-fault');
    const preload = path.join(image.rootfs, 'opt/versus-fault.cjs');
    fs.renameSync(node, real);
    try {
      fs.writeFileSync(preload, 'Math.imul = (a, b) => (a * b) | 0;\n');
      fs.writeFileSync(node, '#!/bin/sh\nexec /usr/bin/node.versus-fault --require /opt/versus-fault.cjs "$@"\n', {
        mode: 0o755,
      });
      const { runs } = await experiment({
        environments: ['docker', 'native'],
        workload: { preset: 'tiny' },
      });
      expect(runs).toHaveLength(2);
      const failed = runs.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(1);
      // whichever ran second is compared with the first one's checksum
      expect(failed[0]!.reason).toMatch(/checksum [0-9a-f]+ differs from [0-9a-f]+, seen first for the same workload/);
      // excluded from every statistic
      expect(summarize(runs, new Map()).find((c) => c.env === failed[0]!.env)!.ok).toBe(0);
    } finally {
      fs.rmSync(node, { force: true });
      fs.renameSync(real, node);
      fs.rmSync(preload, { force: true });
    }
    expect(await labelledContainers()).toEqual([]);
  });

  it('a run past its timeout is failed and its workers are stopped', async () => {
    const { runs } = await experiment({
      environments: ['docker'],
      timeouts: { runS: 3 },
      workload: { preset: 'tiny', params: { iterations: 1000000 } },
    });
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.reason).toBe('run timed out after 3 s');
    expect(await labelledContainers()).toEqual([]);
  });

  it('a container killed mid-run fails that run only; the next run still runs', async () => {
    const outcome = await experiment(
      {
        environments: ['docker'],
        repetitions: 2,
        workload: { preset: 'tiny', params: { iterations: 20000 } },
        timeouts: { runS: 120 },
      },
      async (running) => {
        await running;
        const [container] = await docker.listContainers({
          filters: { label: ['versus.owner=versus'], status: ['running'] },
        });
        await docker.getContainer(container!.Id).kill();
      },
    );
    const { runs } = await outcome;
    expect(runs).toHaveLength(2);
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.reason).toMatch(/killed by SIGKILL from outside versus .*; exit code 137/);
    expect(runs[1]!.status).toBe('ok');
    expect(await labelledContainers()).toEqual([]);
  });

  // a microVM: the same QEMU process watch as the q35 VM's, a faster boot under TCG
  it('a QEMU process killed mid-run is failed as such, and no QEMU process remains', async () => {
    const outcome = await experiment(
      {
        environments: ['microvm'],
        worker: { memoryMiB: 768 },
        workload: { preset: 'tiny', params: { iterations: 20000 } },
        timeouts: { runS: 300 },
      },
      async (running) => {
        // the workload runs in the guest (SSH up, the barrier passed): then the VM dies
        await running;
        process.kill(qemuPids()[0]!, 'SIGKILL');
      },
    );
    const { runs } = await outcome;
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.reason).toMatch(/QEMU process of microvm-0 ended|went away/);
    expect(qemuPids()).toEqual([]);
  });

  it('a Docker Engine that stops answering fails the run with a message that says so', async () => {
    const { execFileSync } = await import('node:child_process');
    const pid = Number(execFileSync('pgrep', ['-xo', 'dockerd'], { encoding: 'utf8' }).trim());
    expect(pid).toBeGreaterThan(0);
    let frozen = false;
    try {
      const outcome = await experiment(
        {
          environments: ['docker'],
          docker: { apiTimeoutS: 3 },
          timeouts: { runS: 8, teardownS: 10 },
          workload: { preset: 'tiny', params: { iterations: 20000 } },
        },
        async () => {
          await waitFor(async () => ((await labelledContainers()).length ? true : null), 60_000);
          await new Promise((r) => setTimeout(r, 1500));
          process.kill(pid, 'SIGSTOP'); // the engine hangs: every API call goes unanswered
          frozen = true;
        },
      );
      const { runs } = await outcome;
      expect(runs[0]!.status).toBe('failed');
      expect(runs[0]!.reason).toContain('Docker Engine stopped answering');
    } finally {
      if (frozen) process.kill(pid, 'SIGCONT');
    }
    // the engine is back: what the hung teardown could not remove, clean removes
    const { DockerEnvironment } = await import('../../src/environments/docker/backend.js');
    await new DockerEnvironment(docker, (await ensureImage()) as never).cleanAll();
    expect(await labelledContainers()).toEqual([]);
  });
});
