import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { ENVIRONMENTS } from '../../src/compose/registry.js';
import { verdictFacts, verdictKey, verdictsDir } from '../../src/environments/qemu/accel.js';
import { runKvmProbe } from '../../src/environments/qemu/kvmProbe.js';
import { ensureImage } from '../../src/image/build.js';
import type { ImageManifest } from '../../src/image/manifest.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { pidsWithCmdline, qemuPids, runCli, tmpDir } from './helpers.js';

// Stand-ins for qemu-system-x86_64 that reproduce hosts with broken nested KVM on any machine.
const NESTED_KVM = path.resolve('test/fixtures/qemu/nested-kvm');
const KVM_FAILS_WORKERS = path.resolve('test/fixtures/qemu/kvm-fails-workers');

const kvmUsable = (() => {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

let image: ImageManifest;
beforeAll(async () => {
  image = await ensureImage();
});

const target = (binary: string) => ({ binary, kernel: image.kernel, initrd: image.initrd });

const experiment = (qemu: Record<string, unknown>, repetitions: number, env: 'qemu' | 'microvm' = 'qemu') =>
  validateExperiment(
    {
      name: 'it-kvm',
      environments: [env],
      instances: [1],
      repetitions,
      warmup: 0,
      workload: { preset: 'tiny', params: { iterations: 30 } },
      worker: { memoryMiB: 768 },
      sampling: { intervalMs: 500, settleMs: 200 },
      [env]: qemu,
      output: { dir: tmpDir('results') },
    },
    'test',
  );

describe('the KVM probe boots the worker kernel to user space', () => {
  it('fails within seconds with the KVM internal error when the guest dies, and leaves no QEMU', async () => {
    const outcome = await runKvmProbe(target(NESTED_KVM), tmpDir('probe'));
    expect(outcome.ok).toBe(false);
    expect(outcome.reason).toContain('KVM internal error (suberror 1: emulation failure)');
    expect(outcome.seconds).toBeLessThan(10);
    expect(pidsWithCmdline(NESTED_KVM)).toEqual([]);
  });

  it("passes only when the guest's own init prints the marker (the image kernel under TCG here)", async () => {
    const outcome = await runKvmProbe(target(KVM_FAILS_WORKERS), tmpDir('probe'));
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.reason).toMatch(/reached user space in \d/);
  });
});

describe('versus doctor', () => {
  it.skipIf(!kvmUsable)('shows the verdict with its reason and age; --reprobe boots the probe again', async () => {
    const first = await runCli(['doctor', '--qemu', NESTED_KVM, '--reprobe']);
    expect(first.stdout).toMatch(
      /accelerator +TCG — KVM probe: guest died with "KVM internal error \(suberror 1: emulation failure\)".*\(probed \d+ s ago\)/,
    );
    const cached = await runCli(['doctor', '--qemu', NESTED_KVM]);
    expect(cached.stdout).toMatch(/accelerator +TCG — .*\(cached verdict, probed \d+ s ago\); versus doctor --reprobe/);
  });
});

describe('a worker VM that dies under KVM', () => {
  it('fails the run in seconds with the reason when KVM was asked for explicitly', async () => {
    const { runs } = await runExperiment(experiment({ binary: NESTED_KVM, accel: 'kvm' }, 1), {
      log: () => {},
      signal: new AbortController().signal,
      descriptors: ENVIRONMENTS,
    });
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run!.status).toBe('failed');
    expect(run!.reason).toContain('KVM internal error (suberror 1: emulation failure)');
    expect(run!.reason).toContain('KVM was asked for explicitly (qemu.accel: kvm)');
    expect(run!.reason).toContain('Code=24 5b');
    // noticed from QEMU's stderr, not at the 240 s boot timeout
    expect(Number(/died ([\d.]+) s into boot/.exec(run!.reason ?? '')?.[1])).toBeLessThan(5);
    expect(run!.envFacts).toEqual({ accelerator: 'kvm' });
    expect(qemuPids()).toEqual([]);
  });

  it.skipIf(!kvmUsable)(
    'with accel auto: the run fails at once, the next runs use TCG, and experiment.json says why',
    async () => {
      // the probe passes on this stand-in; forget what an earlier test run cached for it
      const facts = await verdictFacts(target(KVM_FAILS_WORKERS));
      fs.rmSync(path.join(verdictsDir(), `${verdictKey(facts)}.json`), { force: true });
      const logs: string[] = [];
      // on microVMs (the VM layer's policy is the same for every VM backend; they boot faster under TCG)
      const { dir, runs } = await runExperiment(experiment({ binary: KVM_FAILS_WORKERS }, 2, 'microvm'), {
        log: (m) => logs.push(m),
        signal: new AbortController().signal,
        descriptors: ENVIRONMENTS,
      });
      expect(logs.find((l) => l.startsWith('microvm: KVM'))).toMatch(/KVM probe guest reached user space/);
      expect(runs.map((r) => [r.status, r.envFacts?.accelerator])).toEqual([
        ['failed', 'kvm'],
        ['ok', 'tcg'],
      ]);
      expect(runs[0]!.reason).toContain('KVM internal error');
      expect(runs[0]!.reason).toContain('the remaining runs use TCG');
      expect(Number(/died ([\d.]+) s into boot/.exec(runs[0]!.reason ?? '')?.[1])).toBeLessThan(5);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
      expect(meta.environments.microvm.accelerator).toBe('tcg');
      expect(meta.environments.microvm.acceleratorChanges).toMatchObject([
        { run: expect.stringContaining(runs[0]!.run), from: 'kvm', to: 'tcg' },
      ]);
      // the verdict is remembered: the next experiment on this host and image starts with TCG
      const again = JSON.parse(fs.readFileSync(path.join(verdictsDir(), `${verdictKey(facts)}.json`), 'utf8'));
      expect(again).toMatchObject({ accel: 'tcg' });
      expect(qemuPids()).toEqual([]);
    },
  );
});
