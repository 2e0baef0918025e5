// Two experiments on one engine: the end of one (an interrupt) removes its own containers
// and nothing of the other, which completes with every run ok.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureImage } from '../../src/image/build.js';
import type { RunRecord } from '../../src/results/types.js';
import { CLI, labelledContainers, readLines, runCli, tmpDir } from './helpers.js';

const FIXTURES = path.resolve('test/fixtures/workloads');

/** `versus run` of the fixture in docker; resolves with its exit code and output folder. */
function start(name: string, napMs: number, onRunning: (child: ChildProcess) => void = () => {}) {
  const out = tmpDir(`isolation-${name}`);
  const args = ['run', '--settle', '200', '--env', 'docker', '--instances', '1', '--repetitions', '1'];
  args.push('--workload', 'fixture');
  args.push('--workload-dir', FIXTURES, '--param', `nap-ms=${napMs}`, '--name', name, '--no-report', '-o', out);
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (/: running\n/.test(stderr)) onRunning(child);
  });
  return new Promise<{ code: number | null; dir: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, dir: path.join(out, fs.readdirSync(out)[0] ?? ''), stderr })),
  );
}

describe('experiments side by side', () => {
  it("an interrupted experiment removes its own containers, never the other experiment's", async () => {
    await ensureImage();
    let interrupted = false;
    // the long one is running when the short one starts, and still running when that one is interrupted
    let releaseSecond: () => void = () => {};
    const secondMayStart = new Promise<void>((r) => {
      releaseSecond = r;
    });
    const long = start('long', 12_000, () => releaseSecond());
    await secondMayStart;
    const short = await start('short', 12_000, (child) => {
      if (interrupted) return;
      interrupted = true;
      setTimeout(() => child.kill('SIGINT'), 1000);
    });
    expect(short.code).toBe(130);
    expect(readLines<RunRecord>(path.join(short.dir, 'runs.ndjson'))[0]?.status).toBe('interrupted');
    const l = await long;
    expect(l.code, l.stderr.slice(-2000)).toBe(0);
    const runs = readLines<RunRecord>(path.join(l.dir, 'runs.ndjson'));
    expect(runs.map((r) => `${r.status}: ${r.reason}`)).toEqual(['ok: null']);
    expect(await labelledContainers()).toEqual([]);
  });

  it('versus clean while an experiment runs leaves its workers alone and says so', async () => {
    await ensureImage();
    let cleaned: Promise<{ code: number | null; stdout: string; stderr: string }> | null = null;
    const long = await start('busy', 8_000, () => {
      cleaned ??= runCli(['clean']);
    });
    const c = await cleaned!;
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/clean: skipping the runs of 1 running experiment\(s\)/);
    expect(c.stdout).not.toMatch(/removed container/);
    expect(long.code, long.stderr.slice(-2000)).toBe(0);
    expect(readLines<RunRecord>(path.join(long.dir, 'runs.ndjson')).map((r) => r.status)).toEqual(['ok']);
  });
});
