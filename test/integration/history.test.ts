// A history built from real runs: a workload slowed down in one environment from the
// fifth result set on is found there, at that point, and nowhere else.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryCheck } from '../../src/history/check.js';
import { runCli, tmpDir } from './helpers.js';

const FIXTURES = path.resolve('test/fixtures/workloads');

describe('versus history on real runs', () => {
  it('adds real result sets (once each, also when two adds race), finds the injected docker slowdown, charts it', async () => {
    const out = tmpDir('history-runs');
    const hist = tmpDir('history');
    const config = path.join(out, 'fast.yaml');
    fs.writeFileSync(config, 'sampling:\n  settleMs: 200\n  intervalMs: 100\n');
    const dirs: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await runCli([
        'run',
        '--config',
        config,
        '--env',
        'docker,native',
        '--workload',
        'fixture',
        '--workload-dir',
        FIXTURES,
        '--instances',
        '1',
        '--repetitions',
        '2',
        '--param',
        'rounds=40000000',
        '--param',
        `container-factor=${i >= 4 ? 4 : 1}`,
        '--no-report',
        // the step is injected, not the host's drift: no canary between blocks
        '--no-canary',
        '-o',
        out,
        '--name',
        `h${i}`,
      ]);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      dirs.push(r.stdout.trim());
      const add = await runCli(['history', 'add', dirs[i]!, '--label', `c${i}`, '--history', hist]);
      expect(add.code, add.stderr).toBe(0);
    }
    // the same results twice, at once: one line
    const twice = await Promise.all([0, 1].map(() => runCli(['history', 'add', dirs[2]!, '--history', hist])));
    expect(twice.map((t) => t.code)).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(hist, 'history.ndjson'), 'utf8').trim().split('\n')).toHaveLength(7);

    const check = await runCli([
      'history',
      'check',
      '--history',
      hist,
      '--metric',
      'makespan,burnMs,overhead',
      '--format',
      'json',
    ]);
    expect(check.code, check.stderr).toBe(1);
    const c = JSON.parse(check.stdout) as HistoryCheck;
    // the injected slowdown, where it began; native's own series only carry the machine's noise
    // (a loaded machine can shift them), so they are left out of the exact match
    const found = c.findings
      .map((f) => `${f.series}: ${f.before}→${f.after} ${f.verdict}`)
      .filter((f) => !f.startsWith('fixture native '))
      .sort();
    expect(found).toEqual([
      'fixture container/native x1 overhead: c3→c4 regression',
      'fixture docker x1 burnMs: c3→c4 regression',
      'fixture docker x1 makespan: c3→c4 regression',
    ]);
    const md = await runCli(['history', 'check', '--history', hist, '--format', 'md']);
    expect(md.stdout).toContain('### versus history: ❌ regression');

    const report = await runCli(['history', 'report', '--history', hist, '--metric', 'makespan']);
    expect(report.code, report.stderr).toBe(0);
    const html = fs.readFileSync(report.stdout.trim(), 'utf8');
    expect(html).toContain('fixture docker x1 makespan');
    expect((await runCli(['history', 'check', '--history', tmpDir('empty')])).code).toBe(2);
    expect((await runCli(['history', 'check', '--history', hist, '--metric', 'nope'])).code).toBe(2);
  });
});
