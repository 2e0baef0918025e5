// The boot sweep on real engines and real microVMs (Fig. 3 and Fig. 4): instances started one
// after another, each ready and idle before the next, everything torn down at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureImage } from '../../src/image/build.js';
import { type BootInstanceRecord, readBootSweep } from '../../src/results/bootSweep.js';
import { labelledContainers, pidsWithCmdline, qemuPids, runCli, tmpDir } from './helpers.js';

/** Every instance of an environment, checked for what Fig. 3 and Fig. 4 need. */
function checkInstances(xs: readonly BootInstanceRecord[], n: number): void {
  expect(xs.map((r) => r.instance)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  for (const [i, r] of xs.entries()) {
    expect(r.readyS).toBeGreaterThan(0);
    expect(r.provisionS).toBeLessThanOrEqual(r.readyS);
    // Fig. 3: the time to ready adds up, instance after instance
    if (i > 0) expect(r.cumulativeS).toBeGreaterThan(xs[i - 1]!.cumulativeS);
    // what the host pays for this instance alone, by its host-side view: an idle runtime costs something
    expect(r.instanceMemBytes ?? 0).toBeGreaterThan(2 ** 20);
  }
}

const barrierPids = () => pidsWithCmdline('barrier.mjs\0barrier.mjs');

/** `versus sweep` into a fresh folder, with a short idle settle (1 s by default): the sweeps here are about the mechanics. */
async function sweepCli(name: string, flags: string) {
  const out = tmpDir(name);
  const config = path.join(out, 'sweep.json');
  fs.writeFileSync(config, JSON.stringify({ sweep: { settleMs: 200 } }));
  const r = await runCli(['sweep', '-c', config, ...flags.split(' '), '--no-report', '-o', out]);
  return { ...r, out };
}

describe('boot sweep', () => {
  it('docker and native to 8 instances, one after another; the report draws Fig. 3 and Fig. 4; nothing is left', async () => {
    await ensureImage();
    const r = await sweepCli('sweep', '--env docker,native --instances 2,4,8 --interval 500');
    const out = r.out;
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const dir = r.stdout.trim();
    const sweep = readBootSweep(dir);
    expect(sweep.envs).toEqual(['docker', 'native']);
    for (const env of sweep.envs) {
      checkInstances(sweep.instances.get(env)!, 8);
      expect(sweep.ends.get(env)).toMatchObject({ target: 8, reached: 8, stopped: null });
      expect(sweep.baselines.get(env)!.hostMemUsedBytes).toBeGreaterThan(0);
    }
    expect(sweep.instances.get('docker')![0]!.instanceMemSource).toBe('cgroup');
    expect(r.stderr).toMatch(/docker: 8\/8 ready after [\d.]+ s of starting/);
    // the idle instances were sampled: the last one of each too
    const samples = fs.readFileSync(path.join(dir, 'samples.ndjson'), 'utf8');
    for (const w of ['docker-8', 'native-8']) expect(samples).toContain(`"${w}"`);
    expect(await labelledContainers()).toEqual([]);
    expect(barrierPids()).toEqual([]);

    const rep = await runCli(['report', dir, '--out', path.join(out, 'report'), '--format', 'html,svg']);
    expect(rep.code, rep.stderr).toBe(0);
    expect(fs.readdirSync(path.join(out, 'report')).sort()).toEqual(['fig3-boot.svg', 'fig4-memory.svg', 'index.html']);
    const html = fs.readFileSync(path.join(out, 'report', 'index.html'), 'utf8');
    expect(html).toContain('Fig. 3: time until N instances are ready');
    expect(html).toContain('0.03 GB per idle container');
  });

  it('microVMs 1 and 2: each boots into the minimal init, costs the host memory, and is gone afterwards', async () => {
    const r = await sweepCli('sweep-microvm', '--env microvm --instances 1,2 --memory 512');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim();
    const sweep = readBootSweep(dir);
    const xs = sweep.instances.get('microvm')!;
    checkInstances(xs, 2);
    expect(xs[0]!.instanceMemSource).toBe('process');
    // a VM's memory shows on the host: more with each one up
    const base = sweep.baselines.get('microvm')!.hostMemUsedBytes;
    expect(xs[0]!.hostMemUsedBytes).toBeGreaterThan(base);
    expect(xs[1]!.hostMemUsedBytes).toBeGreaterThan(xs[0]!.hostMemUsedBytes);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(meta.kind).toBe('boot-sweep');
    expect(meta.environments.microvm.machine).toBe('microvm');
    expect(['kvm', 'tcg']).toContain(meta.environments.microvm.accelerator);
    expect(qemuPids()).toEqual([]);
  });

  it('stops at the memory floor, says so, and tears down what it started', async () => {
    const aboveTotalMiB = Math.ceil(os.totalmem() / 2 ** 20) + 1;
    const r = await sweepCli('sweep-floor', `--env native --instances 4 --memory-floor ${aboveTotalMiB}`);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/native: stopped: the host's MemAvailable \(\d+ MiB\) fell below the memory floor/);
    const sweep = readBootSweep(r.stdout.trim());
    expect(sweep.instances.get('native')).toHaveLength(1);
    expect(sweep.ends.get('native')).toMatchObject({ target: 4, reached: 1 });
    expect(sweep.ends.get('native')!.stopped).toContain('after instance 1');
    expect(barrierPids()).toEqual([]);
  });

  it('stops on SIGTERM as run does: exit 143, every instance torn down, the partial sweep readable', async () => {
    const out = tmpDir('sweep-sigterm');
    const config = path.join(out, 'sweep.json');
    fs.writeFileSync(config, JSON.stringify({ sweep: { settleMs: 200 } }));
    let sawInstances = false;
    const r = await runCli(
      ['sweep', '-c', config, '--env', 'native', '--instances', '64', '--no-report', '-o', out],
      (child) => {
        const poll = setInterval(() => {
          if (barrierPids().length >= 2) {
            sawInstances = true;
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        }, 100);
        child.on('close', () => clearInterval(poll));
      },
    );
    expect(sawInstances).toBe(true);
    expect(r.code, r.stderr.slice(-2000)).toBe(143);
    expect(barrierPids()).toEqual([]);
    const [dir] = fs.readdirSync(out).filter((f) => f !== 'sweep.json');
    const meta = JSON.parse(fs.readFileSync(path.join(out, dir!, 'experiment.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
    expect(readBootSweep(path.join(out, dir!)).instances.get('native')!.length).toBeGreaterThan(0);
  });
});
