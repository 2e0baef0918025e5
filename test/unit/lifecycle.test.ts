// The experiment lifecycle around run and sweep, through fake environments: whatever fails
// after the first resource is acquired — a backend that cannot open, a results folder that
// cannot be made — everything acquired before is released (backends cleaned and closed, the
// live marker removed), and the exit codes come from one table.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from '../../src/commands/interrupts.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { Releases } from '../../src/orchestrator/lifecycle.js';
import { runBootSweep } from '../../src/orchestrator/sweepExperiment.js';
import { liveDir } from '../../src/util/live.js';
import { FakeEnvironment, fakeDescriptor, fakeExperiment } from '../support/fakeEnvironment.js';

const _FIXTURES = path.resolve(import.meta.dirname, '../fixtures/workloads');
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-lifecycle-'));
afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

const experiment = (envs: string[], outputDir = OUT) => fakeExperiment(envs, outputDir);

/** The experiment id a fake was cleaned for, from its events. */
const cleanedFor = (events: readonly string[], name: string) =>
  events.find((e) => e.startsWith(`cleanExperiment ${name} `))?.split(' ')[2];

const entrances = [
  ['run', runExperiment],
  ['sweep', runBootSweep],
] as const;

describe.each(entrances)('the lifecycle of %s', (_, enter) => {
  it('releases every backend and the live marker when the results folder cannot be made', async () => {
    const events: string[] = [];
    const fakes = [new FakeEnvironment({ name: 'fa', events }), new FakeEnvironment({ name: 'fb', events })];
    const blocked = path.join(OUT, `a-file-${Math.random()}`);
    fs.writeFileSync(blocked, '');
    await expect(
      enter(experiment(['fa', 'fb'], path.join(blocked, 'results')), {
        log: () => {},
        signal: new AbortController().signal,
        descriptors: fakes.map((f) => fakeDescriptor(f)),
      }),
    ).rejects.toThrow();
    for (const name of ['fa', 'fb']) {
      expect(events).toContain(`close ${name}`);
      const id = cleanedFor(events, name);
      expect(id).toBeDefined();
      expect(fs.existsSync(path.join(liveDir(), `${id}.json`))).toBe(false);
    }
  });

  it('closes the backends opened before one that fails to open, and makes no results folder', async () => {
    const events: string[] = [];
    const fakes = [
      new FakeEnvironment({ name: 'fa', events }),
      new FakeEnvironment({ name: 'fb', events, failPrepare: 'fb: the engine is not running' }),
    ];
    const out = fs.mkdtempSync(path.join(OUT, 'open-'));
    await expect(
      enter(experiment(['fa', 'fb'], out), {
        log: () => {},
        signal: new AbortController().signal,
        descriptors: fakes.map((f) => fakeDescriptor(f)),
      }),
    ).rejects.toThrow('fb: the engine is not running');
    expect(events).toContain('close fa');
    expect(events).toContain('close fb');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('releases', () => {
  it('run the last acquired first, and one that fails does not stop the others', async () => {
    const done: string[] = [];
    const said: string[] = [];
    const r = new Releases((m) => said.push(m));
    r.push('a', () => done.push('a'));
    r.push('b', () => {
      throw new Error('stuck');
    });
    r.push('c', async () => done.push('c'));
    await r.releaseAll();
    expect(done).toEqual(['c', 'a']);
    expect(said).toEqual(['versus: closing b failed: stuck']);
    await r.releaseAll();
    expect(done).toEqual(['c', 'a']);
  });
});

describe('exit codes', () => {
  it('are the shell’s for a signal, and one table for the rest', () => {
    expect(exitCodeOf('SIGINT')).toBe(130);
    expect(exitCodeOf('SIGTERM')).toBe(143);
    expect(EXIT).toMatchObject({ ok: 0, failed: 1, usage: 2 });
  });
});
