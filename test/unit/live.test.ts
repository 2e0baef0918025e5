// Which experiments are running: a marker per experiment, alive while its process is.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveDir, liveExperiments, markLive, ofLiveExperiment, pruneLive } from '../../src/util/live.js';

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-live-'));
const before = process.env.XDG_CACHE_HOME;
beforeAll(() => {
  process.env.XDG_CACHE_HOME = cache;
});
afterAll(() => {
  if (before === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = before;
  fs.rmSync(cache, { recursive: true, force: true });
});

describe('live experiments', () => {
  it('are marked while they run, and no longer once unmarked', () => {
    const unmark = markLive('a1b2c3');
    expect(liveExperiments()).toEqual(['a1b2c3']);
    unmark();
    expect(liveExperiments()).toEqual([]);
  });

  it("a killed harness's marker (its process gone) is not live, and pruneLive removes it", () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    fs.mkdirSync(liveDir(), { recursive: true });
    fs.writeFileSync(path.join(liveDir(), 'dead01.json'), JSON.stringify({ pid: Number(dead.stdout), start: '1' }));
    // the same pid reused by another process: its start time differs
    fs.writeFileSync(path.join(liveDir(), 'reuse1.json'), JSON.stringify({ pid: process.pid, start: '1' }));
    expect(liveExperiments()).toEqual([]);
    pruneLive();
    expect(fs.readdirSync(liveDir())).toEqual([]);
  });

  it("tell a live experiment's runs, containers and cgroups from others'", () => {
    const live = ['a1b2c3'];
    expect(ofLiveExperiment('a1b2c3-001-docker-x1-r1', live)).toBe(true);
    expect(ofLiveExperiment('/versus-a1b2c3-001-docker-x1-r1-docker-0', live)).toBe(true);
    expect(ofLiveExperiment('versus-a1b2c3-001-vagrant-x2-r1-vagrant-0', live)).toBe(true);
    expect(ofLiveExperiment('ffffff-001-docker-x1-r1', live)).toBe(false);
    expect(ofLiveExperiment('a1b2c3', live)).toBe(false);
  });
});
