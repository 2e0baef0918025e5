// The orchestrator through a fake Environment: the order of runs, teardown on every
// path, partial results on an interrupt, adaptive rounds and progress lines, with no
// engine. Assertions are on events and records, never on how long anything took.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Experiment } from '../../src/config/schema.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { planRuns, runName } from '../../src/orchestrator/plan.js';
import { readNdjson, readSamples } from '../../src/results/store.js';
import type { RunRecord, SampleRecord } from '../../src/results/types.js';
import {
  FakeEnvironment,
  FakeSampler,
  fakeDescriptor,
  fakeExperiment,
  type WorkerScript,
} from '../support/fakeEnvironment.js';

const _FIXTURES = path.resolve(import.meta.dirname, '../fixtures/workloads');
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-orchestrator-'));
afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

const experiment = (envs: string[], over: Record<string, unknown> = {}) => fakeExperiment(envs, OUT, over);

async function run(e: Experiment, fakes: FakeEnvironment[], signal = new AbortController().signal) {
  const log: string[] = [];
  const outcome = await runExperiment(e, {
    log: (m) => log.push(m),
    signal,
    descriptors: fakes.map((f) => fakeDescriptor(f)),
  });
  const onDisk = readNdjson<RunRecord>(path.join(outcome.dir, 'runs.ndjson'));
  const meta = JSON.parse(fs.readFileSync(path.join(outcome.dir, 'experiment.json'), 'utf8'));
  const samples: SampleRecord[] = readSamples(path.join(outcome.dir, 'samples.ndjson'));
  return { ...outcome, log, onDisk, meta, samples };
}

/** Scripts per repetition (run r1, r2, …) of a one-cell experiment. */
const byRepetition =
  (scripts: WorkerScript[], worker?: (i: number, s: WorkerScript) => WorkerScript) => (runId: string, i: number) => {
    const rep = Number(/-r(\d+)$/.exec(runId)?.[1] ?? 1);
    const s = scripts[rep - 1] ?? {};
    return worker ? worker(i, s) : s;
  };

describe('runExperiment through a fake environment', () => {
  it('runs the plan in order, each run torn down before the next, every backend cleaned and closed once', async () => {
    const events: string[] = [];
    const fakes = [new FakeEnvironment({ name: 'fa', events }), new FakeEnvironment({ name: 'fb', events })];
    const e = experiment(['fa', 'fb'], { instances: [1, 2], repetitions: 2 });
    const r = await run(e, fakes);

    const planned = planRuns(e).map((p) => `${p.env}:${runName(p)}`);
    expect(r.runs.map((x) => `${x.env}:${x.run}`)).toEqual(planned);
    expect(r.runs.every((x) => x.status === 'ok')).toBe(true);
    expect(r.onDisk).toEqual(JSON.parse(JSON.stringify(r.runs)));
    // provision → arm → release → teardown for one run, then the next
    const lifecycle = events.filter((ev) => /^(provision|teardown)/.test(ev)).map((ev) => ev.split(' ')[0]);
    expect(lifecycle).toEqual(planned.flatMap(() => ['provision', 'teardown']));
    for (const f of fakes) {
      expect(f.alive.size).toBe(0);
      // its own experiment's leftovers only (every experiment's are versus clean's, through the descriptor)
      expect(events.filter((ev) => ev.startsWith(`cleanExperiment ${f.name} `))).toEqual([
        `cleanExperiment ${f.name} ${r.meta.experimentId}`,
      ]);
      expect(events.filter((ev) => ev === `close ${f.name}`)).toHaveLength(1);
      expect(events.indexOf(`close ${f.name}`)).toBeGreaterThan(
        events.lastIndexOf(`teardown ${r.runs.at(-1)!.run}`) - 1,
      );
    }
    expect(r.meta.status).toBe('complete');
    expect(r.meta.views).toEqual({ fa: fakeDescriptor(fakes[0]!).view, fb: fakeDescriptor(fakes[1]!).view });
    // the samplers' own formulas, not a hand-made table
    expect(r.meta.formulas).toEqual({
      'fa process': 'fake: 50% user every interval',
      'fb process': 'fake: 50% user every interval',
    });
    const summary = JSON.parse(fs.readFileSync(path.join(r.dir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ runs: 8, ok: 8 });
    expect(summary.cells).toHaveLength(4);
    // every worker's samples, relative to its run's barrier
    for (const x of r.runs)
      expect(new Set(r.samples.filter((s) => s.run === x.run).map((s) => s.worker)).size).toBe(x.instances);
  });

  it('runs unobserved with sampling.workers and host off: no sample, the same results otherwise', async () => {
    const fakes = [new FakeEnvironment({ name: 'fa' })];
    const r = await run(
      experiment(['fa'], { sampling: { intervalMs: 50, settleMs: 0, host: false, workers: false } }),
      fakes,
    );
    expect(r.runs.every((x) => x.status === 'ok' && x.makespanS !== null)).toBe(true);
    expect(r.samples).toEqual([]);
    expect(r.meta.formulas).toEqual({});
  });

  it('records the drift canary of each block with every run of it, and its median in summary.json', async () => {
    const fakes = [new FakeEnvironment({ name: 'fa' }), new FakeEnvironment({ name: 'fb' })];
    const r = await run(experiment(['fa', 'fb'], { repetitions: 2, canary: true }), fakes);
    const probes = r.onDisk.map((x) => x.canary!);
    expect(probes.every((p) => p.mstepsPerS > 0)).toBe(true);
    // one probe per block: both environments of a repetition carry the same reading
    for (const rep of [0, 1]) {
      const mine = r.onDisk.filter((x) => x.repetition === rep).map((x) => x.canary!.at);
      expect(new Set(mine).size).toBe(1);
    }
    expect(new Set(probes.map((p) => p.at)).size).toBe(2);
    const summary = JSON.parse(fs.readFileSync(path.join(r.dir, 'summary.json'), 'utf8'));
    expect(summary.canary.median).toBeGreaterThan(0);
    expect(r.log.some((l) => l.includes('host speed (drift canary)'))).toBe(true);
  });

  it("starts every worker's samplers at once, not one worker after another (an engine's first stats frame each)", async () => {
    FakeSampler.mostStarting = 0;
    const fake = new FakeEnvironment({ script: () => ({ samplerStartMs: 20 }) });
    const r = await run(experiment(['fake'], { instances: [6], repetitions: 1 }), [fake]);
    expect(r.runs.map((x) => x.status)).toEqual(['ok']);
    expect(FakeSampler.mostStarting).toBe(6);
  });

  it('tears every run down exactly once, whichever way it fails, and names what failed', async () => {
    const scripts: WorkerScript[] = [
      { failProvision: 'no engine answers' },
      { failArm: 'exec failed' },
      { neverReady: true },
      { die: { code: 137, reason: 'OOMKilled' } },
      {},
      { loseSampler: true },
      { hang: true },
      { samplerStartFails: 'Timed out while waiting for handshake' },
      {},
    ];
    const fake = new FakeEnvironment({
      diagnosis: 'the engine stopped answering',
      script: byRepetition(scripts, (i, s) => (s === scripts[4] && i === 1 ? { checksum: 'bad' } : s)),
      failTeardown: (id) => id.endsWith('-r9'),
    });
    const r = await run(experiment(['fake'], { instances: [2], repetitions: 9 }), [fake]);
    // a sampler that cannot start costs its samples, not the run (the workload's fate decides)
    const reasons = r.runs.map((x) => `${x.status}: ${x.reason}`);
    expect(reasons[0]).toBe('failed: no engine answers');
    expect(reasons[1]).toBe('failed: fake-0: exec failed');
    expect(reasons[2]).toBe('failed: fake-0: waiting for its ready line timed out after 1 s');
    expect(reasons[3]).toMatch(/^failed: .*fake-0.*137|^failed: .*OOMKilled/);
    expect(reasons[4]).toMatch(/^failed: .*checksum/);
    expect(reasons[5]).toBe('ok: sampler: fake-0/process: connection lost; fake-1/process: connection lost');
    expect(reasons[6]).toBe('failed: run timed out after 1 s: the engine stopped answering');
    expect(reasons[7]).toMatch(
      /^ok: sampler: fake-0\/process: could not start: Timed out while waiting for handshake; fake-1/,
    );
    expect(reasons[8]).toMatch(/^failed: teardown: cannot remove the workers of .*-r9$/);
    const teardowns = fake.events.filter((ev) => ev.startsWith('teardown '));
    expect(teardowns).toHaveLength(9);
    expect(new Set(teardowns).size).toBe(9);
    expect(fake.events.filter((ev) => ev.startsWith('kill '))).toHaveLength(2); // the hung run's two workers
    expect(fake.alive.size).toBe(0);
    expect(r.onDisk).toHaveLength(9);
    // a failed run still records its workers where there were any
    expect(r.runs[3]!.workers.map((w) => w.exitCode)).toEqual([137, 137]);
  });

  it('stops at an interrupt: the run in progress is interrupted and torn down, the finished ones and their samples stay', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    // the interrupt comes as the second run's workers are released
    const fake = new FakeEnvironment({
      events,
      script: () => ({ runMs: 200 }),
      onEvent: (ev, all) => {
        if (ev.startsWith('release ') && all.filter((x) => x.startsWith('release ')).length === 2) controller.abort();
      },
    });
    const r = await run(experiment(['fake'], { repetitions: 4 }), [fake], controller.signal);
    expect(r.interrupted).toBe(true);
    expect(r.runs.map((x) => x.status)).toEqual(['ok', 'interrupted']);
    expect(r.onDisk.map((x) => x.status)).toEqual(['ok', 'interrupted']);
    expect(r.meta.status).toBe('interrupted');
    expect(r.samples.some((s) => s.run === r.runs[0]!.run)).toBe(true);
    expect(events.filter((ev) => ev.startsWith('teardown '))).toHaveLength(2);
    expect(events.filter((ev) => ev.startsWith('provision '))).toHaveLength(2);
    expect(events.slice(-2)).toEqual([`cleanExperiment fake ${r.meta.experimentId}`, 'close fake']);
  });

  it('adds adaptive rounds while a cell is too wide, up to the cap, and says so', async () => {
    // makespans of about 20 ms and 300 ms alternate: no interval gets within 1%
    const fake = new FakeEnvironment({
      script: byRepetition([{ runMs: 20 }, { runMs: 300 }, { runMs: 20 }, { runMs: 300 }]),
    });
    const e = experiment(['fake'], { repetitions: 2, adaptive: { targetCiPct: 1, maxRepetitions: 4 } });
    const r = await run(e, [fake]);
    expect(r.runs).toHaveLength(4);
    expect(r.log.filter((l) => l.startsWith('adaptive: one more round for fake x1'))).toHaveLength(2);
    const summary = JSON.parse(fs.readFileSync(path.join(r.dir, 'summary.json'), 'utf8'));
    expect(summary.adaptive.cells[0]).toMatchObject({ attempted: 4, met: false });
  });

  it('prints progress lines with the run, its step and the time left', async () => {
    const r = await run(experiment(['fake'], { repetitions: 2 }), [new FakeEnvironment()]);
    const [first, second] = r.runs;
    expect(r.log).toContain(`[1/2] ${first!.run}: provisioning 1 worker(s)`);
    expect(r.log).toContain(`[1/2] ${first!.run}: running`);
    expect(r.log.find((l) => l.startsWith(`[1/2] ${first!.run}: ok, makespan `))).toMatch(
      /— 1 run\(s\) left, about \d+ s$/,
    );
    expect(r.log.find((l) => l.startsWith(`[2/2] ${second!.run}: ok, makespan `))).not.toMatch(/left/);
    expect(r.log.at(-1)).toMatch(/makespan s/); // the summary table closes the log
  });

  it('fails a run whose provisioning outlives its timeout, and still tears it down', async () => {
    const fake = new FakeEnvironment({ script: () => ({ provisionMs: 5000 }) });
    const r = await run(experiment(['fake']), [fake]);
    expect(r.runs[0]).toMatchObject({ status: 'failed', reason: 'provisioning timed out after 1 s' });
    expect(fake.events.filter((ev) => ev.startsWith('teardown '))).toHaveLength(1);
  });
});
