import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticResults } from '../support/synthetic.js';
import { runCli, tmpDir } from './helpers.js';

describe('versus compare', () => {
  const base = tmpDir('base');
  const same = tmpDir('same');
  const slow = tmpDir('slow');
  writeSyntheticResults(base, { repetitions: 5 });
  writeSyntheticResults(same, { repetitions: 5 });
  writeSyntheticResults(slow, { repetitions: 5, slowdown: { qemu: 1.2 } });

  it('exits 0 on identical result sets', async () => {
    const r = await runCli(['compare', base, same]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK: no regression past 5.0%');
  });

  it('exits 1 on an injected 20% VM regression and says where, in Markdown for CI', async () => {
    const r = await runCli(['compare', base, slow, '--format', 'md']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/### versus compare: ❌ regression/);
    expect(r.stdout).toMatch(/\| qemu x1 \| makespan \|.*\+20\.0%.*❌ regressed/);
    expect(r.stdout).toMatch(/\| VM\/container x2 \| overhead \|.*❌ regressed/);
    const json = JSON.parse((await runCli(['compare', base, slow, '--format', 'json', '--metric', 'makespan'])).stdout);
    expect(json.regressed).toBe(true);
    const relaxed = await runCli(['compare', base, slow, '--threshold', '25%']);
    expect(relaxed.code).toBe(0);
  });

  it('exits 2 on a broken file or result sets that cannot be compared', async () => {
    const broken = tmpDir('broken');
    writeSyntheticResults(broken, { repetitions: 2 });
    fs.writeFileSync(path.join(broken, 'runs.ndjson'), '{"run": oops\n{"run":"x"}\n');
    const r = await runCli(['compare', base, broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runs\.ndjson:1: not a JSON line/);
    expect((await runCli(['compare', base, tmpDir('nothing')])).code).toBe(2);
    const other = tmpDir('other');
    writeSyntheticResults(other, { repetitions: 2 });
    const meta = JSON.parse(fs.readFileSync(path.join(other, 'experiment.json'), 'utf8'));
    meta.workloads[0].workKey = 'synthetic@1:size=1';
    fs.writeFileSync(path.join(other, 'experiment.json'), JSON.stringify(meta));
    const diff = await runCli(['compare', base, other]);
    expect(diff.code).toBe(2);
    expect(diff.stderr).toContain('ran different work');
    expect((await runCli(['compare', base, same, '--metric', 'speed'])).code).toBe(2);
    // results without drift canary readings cannot be normalized by it: exit 2 naming the flag and the folder
    const normalized = await runCli(['compare', base, same, '--normalize', 'canary']);
    expect(normalized.code).toBe(2);
    expect(normalized.stderr).toContain(`--normalize canary: ${base} has no drift canary readings`);
    expect((await runCli(['compare', base, same, '--normalize', 'speed'])).stderr).toContain(
      '--normalize: expected canary',
    );
    expect((await runCli(['compare', base, same, '--false-positive', '0'])).code).toBe(2);
  });

  it('writes the Bencher Metric Format and says at which level it gated', async () => {
    const bmf = JSON.parse((await runCli(['compare', base, slow, '--format', 'bmf'])).stdout);
    expect(bmf['qemu x1'].makespan.value).toBeGreaterThan(0);
    expect(bmf['qemu x1'].makespan.lower_value).toBeLessThan(bmf['qemu x1'].makespan.value);
    const text = await runCli(['compare', base, same]);
    expect(text.stdout).toMatch(/false positives held to 1% over \d+ row\(s\): each gated on its [\d.]+% interval/);
  });
});
