import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { ENVIRONMENTS } from '../../src/compose/registry.js';
import { ensureImage } from '../../src/image/build.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { tmpDir } from './helpers.js';

describe('the drift canary', () => {
  it('marks the runs taken while CPU hogs shared the host', async () => {
    await ensureImage();
    const e = validateExperiment(
      {
        name: 'it-canary',
        environments: ['native'],
        instances: [1],
        repetitions: 7,
        workload: { name: 'calibrate', preset: 'tiny', params: { seconds: 1 } },
        sampling: { intervalMs: 250, settleMs: 200 },
        output: { dir: tmpDir('canary') },
      },
      'test',
    );
    const hogs: ReturnType<typeof spawn>[] = [];
    // after the 4th run three busy loops share the canary's CPU (CPU 0) to the end: the
    // canary of every later block gets a quarter of that CPU, far past the 10% threshold
    const log = (m: string) => {
      if (!hogs.length && /^\[4\/7\] .*: ok/.test(m))
        for (let i = 0; i < 3; i++)
          hogs.push(spawn('taskset', ['-c', '0', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' }));
    };
    try {
      const { dir, runs } = await runExperiment(e, {
        log,
        signal: new AbortController().signal,
        descriptors: ENVIRONMENTS,
      });
      expect(hogs).toHaveLength(3);
      expect(runs.every((r) => r.canary && r.canary.mstepsPerS > 0)).toBe(true);
      const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
      const flagged: string[] = summary.canary.flagged;
      // runs 6 and 7 probed their blocks with the hog running; run 5 may have probed before it started
      expect(flagged).toEqual(expect.arrayContaining([runs[5]!.run, runs[6]!.run]));
      // the speed before the hogs against after, in the same run (other tests may load the host too)
      const speed = (i: number) => runs[i]!.canary!.mstepsPerS;
      const before = [0, 1, 2, 3].map(speed).sort((a, b) => a - b);
      expect((before[1]! + before[2]!) / 2).toBeGreaterThan(1.5 * Math.max(speed(5), speed(6)));
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
  });
});
