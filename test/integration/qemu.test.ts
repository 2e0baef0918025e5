import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { ENVIRONMENTS } from '../../src/compose/registry.js';
import { MICROVM_FLAVOUR } from '../../src/environments/microvm/flavour.js';
import { QemuEnvironment } from '../../src/environments/qemu/backend.js';
import type { WorkerHandle } from '../../src/environments/types.js';
import { ensureImage } from '../../src/image/build.js';
import type { ImageManifest } from '../../src/image/manifest.js';
import { runExperiment } from '../../src/orchestrator/experiment.js';
import { readSamples } from '../../src/results/store.js';
import type { RunRecord } from '../../src/results/types.js';
import type { GuestSampler } from '../../src/sampling/guestSampler.js';
import type { Reading } from '../../src/sampling/types.js';
import { HostKeyMismatch, SshConnection } from '../../src/ssh/connection.js';
import { labelledContainers, qemuPids, tmpDir } from './helpers.js';

// SSH, the pinned host key and the samplers are the VM layer's, the same for every flavour:
// a microVM (half a q35's boot under TCG); the q35 machine boots in the experiment below
describe('one VM booted from the worker image disk', () => {
  let image: ImageManifest;
  let env: QemuEnvironment;
  let vm: WorkerHandle;
  const runId = `it-ssh-${process.pid}`;
  let port = 0;
  const connectVm = (pinnedHostKey: string) =>
    SshConnection.connect({
      host: '127.0.0.1',
      port,
      username: 'root',
      privateKey: fs.readFileSync(image.clientKey),
      pinnedHostKey,
    });

  beforeAll(async () => {
    image = await ensureImage();
    const e = validateExperiment({}, 'test');
    env = new QemuEnvironment(e.microvm, image, undefined, undefined, undefined, MICROVM_FLAVOUR);
    const vms = await env.provision({
      runId,
      count: 1,
      allocation: () => ({ cpus: 1, memoryBytes: 768 * 2 ** 20, cpuset: null }),
      signal: new AbortController().signal,
      artifactsDir: tmpDir('serial'),
      network: 'none',
    });
    vm = vms[0]!;
    port = (vm as unknown as { port: number }).port;
  });

  afterAll(async () => {
    await env.teardown(runId);
  });

  it('answers SSH with the generated key and runs the image node', async () => {
    expect(vm.bootS).toBeGreaterThan(0);
    const ssh = await connectVm(image.hostKey.publicKeyBase64);
    const r = await ssh.run('node --version; nproc');
    ssh.close();
    expect(r.stdout.trim().split('\n')).toEqual([image.nodeVersion, '1']);
  });

  it('refuses a host whose key differs from the pinned one', async () => {
    const wrong = Buffer.from(image.hostKey.publicKeyBase64, 'base64');
    wrong[wrong.length - 1]! ^= 0xff;
    await expect(connectVm(wrong.toString('base64'))).rejects.toThrow(HostKeyMismatch);
  });

  it('samples the guest and the QEMU process on the same clock', async () => {
    const samplers = vm.samplers(250);
    expect(samplers.map((s) => s.source).sort()).toEqual(['guest', 'process']);
    const seen: Record<string, number> = {};
    await Promise.all(
      samplers.map((s) =>
        s.start(
          (r) => (seen[s.source] = (seen[s.source] ?? 0) + (r.idle !== null ? 1 : 0)),
          (e) => {
            throw e;
          },
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 2500));
    await Promise.all(samplers.map((s) => s.stop()));
    expect(seen.guest).toBeGreaterThanOrEqual(2);
    expect(seen.process).toBeGreaterThanOrEqual(2);
  });

  it('reopens a lost sampler connection with backoff and records the gap', async () => {
    const guest = vm.samplers(250).find((x) => x.source === 'guest') as GuestSampler;
    const readings: Reading[] = [];
    const errors: string[] = [];
    await guest.start(
      (r) => readings.push(r),
      (e) => errors.push(e.message),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const before = readings.length;
    expect(before).toBeGreaterThan(0);
    // kill the guest's sshd session that serves the sampler: its TCP connection drops
    const ssh = await connectVm(image.hostKey.publicKeyBase64);
    const k = await ssh.run(`kill $(ps -o ppid= -p $(pgrep -f 'read -t 0.250' | head -1))`);
    expect(k.code).toBe(0);
    await new Promise((r) => setTimeout(r, 4000));
    await guest.stop();
    ssh.close();
    expect(errors.join('\n')).toContain('guest sampler connection lost; reconnecting');
    expect(guest.reconnects).toBe(1);
    const after = readings.slice(before);
    expect(after.length).toBeGreaterThan(2);
    const gaps = after.filter((r) => (r.gapS ?? 0) > 0);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.gapS!).toBeGreaterThan(0.2);
  });
});

// microVMs pair up in network.test.ts (two over taps, sampled from inside) and run the fixture
// in suites.test.ts: not booted here too
describe('docker, qemu and native side by side', () => {
  let dir: string;
  let runs: RunRecord[];

  beforeAll(async () => {
    await ensureImage();
    const experiment = validateExperiment(
      {
        name: 'it-qemu',
        environments: ['docker', 'qemu', 'native'],
        instances: [2],
        repetitions: 1,
        warmup: 0,
        workload: { preset: 'tiny', params: { iterations: 40 } },
        worker: { memoryMiB: 768 },
        sampling: { intervalMs: 500, settleMs: 500 },
        output: { dir: tmpDir('results') },
      },
      'test',
    );
    const outcome = await runExperiment(experiment, {
      log: () => {},
      signal: new AbortController().signal,
      descriptors: ENVIRONMENTS,
    });
    dir = outcome.dir;
    runs = outcome.runs;
  });

  it('boots 2 VMs, runs the pair at one barrier and gets the same checksum as docker and native', () => {
    expect(runs.map((r) => `${r.env}:${r.status}:${r.reason}`).sort()).toEqual([
      'docker:ok:null',
      'native:ok:null',
      'qemu:ok:null',
    ]);
    expect(new Set(runs.map((r) => r.checksum)).size).toBe(1);
    const qemu = runs.find((r) => r.env === 'qemu')!;
    expect(qemu.workers.map((w) => w.bootS! > 0)).toEqual([true, true]);
    const begins = qemu.phases.filter((p) => p.phase === 'generate' && p.state === 'begin').map((p) => p.t);
    expect(begins).toHaveLength(2);
    expect(Math.max(...begins) - Math.min(...begins)).toBeLessThan(1);
  });

  it('has guest samples with user CPU during the iterate phase for both VMs, and the host view of each', () => {
    const samples = readSamples(path.join(dir, 'samples.ndjson'));
    const qemu = runs.find((r) => r.env === 'qemu')!;
    for (const worker of ['qemu-0', 'qemu-1']) {
      const begin = qemu.phases.find((p) => p.worker === worker && p.phase === 'iterate' && p.state === 'begin')!.t;
      const end = qemu.phases.find((p) => p.worker === worker && p.phase === 'iterate' && p.state === 'end')!.t;
      const guest = samples.filter(
        (s) => s.run === qemu.run && s.worker === worker && s.source === 'guest' && s.t > begin && s.t <= end,
      );
      expect(guest.length).toBeGreaterThan(0);
      expect(Math.max(...guest.map((s) => s.user))).toBeGreaterThan(20);
      expect(guest.every((s) => s.steal !== null && s.iowait !== null)).toBe(true);
      // the workload's PSS/USS from smaps_rollup inside the guest: the same quantity as for a container
      expect(Math.max(...guest.map((s) => s.memPssBytes ?? 0))).toBeGreaterThan(20e6);
      expect(guest.every((s) => (s.memUssBytes ?? 0) <= (s.memPssBytes ?? 0))).toBe(true);
      expect(
        samples.some((s) => s.run === qemu.run && s.worker === worker && s.source === 'process' && s.cores > 0.2),
      ).toBe(true);
    }
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(['kvm', 'tcg']).toContain(meta.environments.qemu.accelerator);
    expect(fs.readdirSync(path.join(dir, 'artifacts', qemu.run))).toEqual(['qemu-0.serial.log', 'qemu-1.serial.log']);
  });

  it('leaves no QEMU process, overlay or container behind', async () => {
    expect(qemuPids()).toEqual([]);
    expect(await labelledContainers()).toEqual([]);
  });
});
