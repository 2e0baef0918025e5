import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verdictFacts, verdictKey, verdictsDir } from '../../src/environments/qemu/accel.js';
import { libvirtBoxMetadata, workerBoxName } from '../../src/environments/vagrant/box.js';
import { buildSettings, vagrantEnv } from '../../src/environments/vagrant/settings.js';
import { imageDir, readManifest } from '../../src/image/manifest.js';
import { imageHash } from '../../src/image/spec.js';
import type { RunRecord } from '../../src/results/types.js';
import { PROJECT_ROOT } from '../../src/util/paths.js';
import { pidsWithCmdline, readLines, runCli, sampleTable, tmpDir } from './helpers.js';

/**
 * The vagrant environment through real Vagrant 2.3 and vagrant-libvirt: the
 * worker image as a box, libvirt's QEMU under TCG here, SSH on 127.0.0.1.
 * VirtualBox is not installable on this machine: its part is checked with
 * `vagrant validate` and by the clear refusal of a run.
 */

/** Domain definitions, pool definition and volumes of ours, read from libvirt's files (no daemon needed). */
function libvirtTraces(): string[] {
  const ls = (dir: string, test: (f: string) => boolean) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter(test)
          .map((f) => path.join(dir, f))
      : [];
  return [
    ...ls('/etc/libvirt/qemu', (f) => f.startsWith('versus-')),
    ...ls('/etc/libvirt/storage', (f) => f === 'versus.xml'),
    ...ls('/run/libvirt/qemu', (f) => f.startsWith('versus-')),
    ...ls('/var/lib/libvirt/images/versus', () => true),
  ];
}

/** QEMU processes libvirt started for our domains (-name guest=versus-…). */
function libvirtQemuPids(): number[] {
  return pidsWithCmdline('guest=versus-');
}

function libvirtdPid(): number | null {
  try {
    const pid = Number(fs.readFileSync('/run/libvirtd.pid', 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

function kvmUsable(): boolean {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The current worker image (the suite builds it before the tests start). */
function image() {
  const m = readManifest(imageDir(imageHash()));
  if (!m) throw new Error('worker image not built: versus image build');
  return m;
}

/** One vagrant worker, one run of the default workload's tiny preset, no report. */
const ONE_VM = [
  '--preset',
  'tiny',
  '--env',
  'vagrant',
  '--instances',
  '1',
  '--repetitions',
  '1',
  '--settle',
  '200',
].concat('--no-report');

/** `versus run -c` with one vagrant worker and this config (output in a new temp folder). */
function runVagrantConfig(name: string, config: Record<string, unknown>) {
  const out = tmpDir(name);
  const file = path.join(out, 'config.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      environments: ['vagrant'],
      instances: [1],
      workload: { preset: 'tiny' },
      sampling: { settleMs: 200 },
      output: { dir: out },
      ...config,
    }),
  );
  return runCli(['run', '-c', file, '--no-report']);
}

function vagrantRuns(): string[] {
  const dir = path.join(process.env.HOME ?? '/root', '.cache/versus/vagrant/runs');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

function expectNothingLeft(): void {
  // vagrant keeps its state in per-run folders, never in the checkout
  expect(fs.existsSync(path.join(PROJECT_ROOT, '.vagrant'))).toBe(false);
  expect(libvirtTraces()).toEqual([]);
  expect(libvirtQemuPids()).toEqual([]);
  expect(vagrantRuns()).toEqual([]);
}

function sampleSources(file: string): Map<string, number> {
  const { cols, rows } = sampleTable(file);
  const worker = cols.indexOf('worker');
  const source = cols.indexOf('source');
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = `${r[worker]}/${r[source]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

describe('vagrant environment (libvirt provider, real Vagrant and libvirt)', () => {
  // the fixture workload under test/ (suites.test.ts runs it in every other environment): one
  // vagrant boot fewer in CI; the default workload runs in the same guest in qemu.test.ts
  it('boots 2 workers from the local box, runs the fixture workload at one barrier, samples both guests, leaves nothing', async () => {
    const daemonBefore = libvirtdPid();
    const out = tmpDir('vagrant');
    const r = await runCli([
      'run',
      '--env',
      'vagrant,native',
      '--vagrant-provider',
      'libvirt',
      '--instances',
      '2',
      ...['--workload', 'fixture', '--workload-dir', path.resolve('test/fixtures/workloads')],
      // a nap long enough for several guest samples of each VM
      ...['--param', 'nap-ms=3000'],
      ...['--settle', '200'],
      '--repetitions',
      '1',
      '--no-report',
      '-o',
      out,
    ]);
    expect(r.stderr).toContain('vagrant: vagrant-0: Machine booted and ready!');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim();
    const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    const vm = runs.find((x) => x.env === 'vagrant')!;
    const native = runs.find((x) => x.env === 'native')!;
    expect(vm.status).toBe('ok');
    expect(vm.workers.map((w) => w.worker)).toEqual(['vagrant-0', 'vagrant-1']);
    // the same work gives the same result in a VM booted by vagrant and on the host
    for (const w of vm.workers) expect(w.checksum).toBe(native.checksum);
    for (const w of vm.workers) {
      expect(w.node).toBe(native.workers[0]!.node);
      // boot time from "Starting domain." to "Machine booted and ready!"
      expect(w.bootS).toBeGreaterThan(1);
      expect(w.bootS).toBeLessThan(vm.provisionS!);
    }
    const sources = sampleSources(path.join(dir, 'samples.ndjson'));
    for (const w of ['vagrant-0', 'vagrant-1']) {
      expect(sources.get(`${w}/guest`) ?? 0).toBeGreaterThan(3);
      // the host's view of the QEMU process libvirt runs for the domain
      expect(sources.get(`${w}/process`) ?? 0).toBeGreaterThan(3);
    }
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(meta.environments.vagrant).toMatchObject({
      provider: 'libvirt',
      driver: expect.stringMatching(/^(kvm|qemu)$/),
    });
    expect(meta.environments.vagrant.plugins.join()).toContain('vagrant-libvirt');
    // the serial consoles and vagrant's own output are kept with the results
    const artifacts = path.join(dir, 'artifacts', vm.run);
    expect(fs.readFileSync(path.join(artifacts, 'vagrant-0.serial.log'), 'utf8')).toContain('versus-worker');
    expect(fs.readFileSync(path.join(artifacts, 'vagrant-up.log'), 'utf8')).toContain('Starting domain');

    expectNothingLeft();
    // libvirtd is left as it was found: stopped again if versus started it
    expect(libvirtdPid() === null).toBe(daemonBefore === null);
  });

  it("network bridge: the VM's NIC on the run's bridge, a client on the host echoes through it, both views count it", async () => {
    const out = tmpDir('vagrant-bridge');
    const r = await runCli([
      'run',
      ...['--env', 'vagrant', '--instances', '1', '--place', 'client=host', '--repetitions', '1', '--no-report'],
      ...['--settle', '200'],
      ...['--workload', 'echo-pair', '--workload-dir', path.resolve('test/fixtures/workloads'), '--preset', 'bulk'],
      ...['-o', out],
    ]);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const dir = r.stdout.trim();
    const [run] = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
    expect(run!.status, run!.reason ?? '').toBe('ok');
    expect(run!.network).toBe('bridge');
    const [server, client] = run!.workers;
    expect([server!.worker, server!.address, client!.worker]).toEqual(['vagrant-0', '10.77.0.2', 'host-0']);
    const echoed = client!.metrics.bytesEchoed!;
    expect(server!.metrics.serverBytes).toBe(echoed);
    // the tap libvirt made (the host's view of the VM) and the guest's own /proc/net/dev
    const { cols, rows } = sampleTable(path.join(dir, 'samples.ndjson'));
    const rx = (source: string) =>
      rows
        .filter((x) => x[cols.indexOf('worker')] === 'vagrant-0' && x[cols.indexOf('source')] === source)
        .reduce((sum, x) => sum + ((x[cols.indexOf('netRxBytes')] as number | null) ?? 0), 0);
    for (const source of ['process', 'guest']) {
      expect(rx(source) / echoed, source).toBeGreaterThan(0.9);
      expect(rx(source) / echoed, source).toBeLessThan(1.1);
    }
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
    expect(meta.environments.vagrant.bridgeNic).toContain('the tap made by libvirt');
    expectNothingLeft();
    expect(fs.readdirSync('/sys/class/net').filter((l) => /^vs[bvthe]/.test(l))).toEqual([]);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain('versus-');
  });

  it("a VM that does not answer in time fails the run with vagrant's reason; nothing remains", async () => {
    const r = await runVagrantConfig('vagrant-timeout', {
      repetitions: 1,
      // vagrant gives up waiting for SSH long before a TCG guest boots
      vagrant: { provider: 'libvirt', bootTimeoutS: 2 },
    });
    expect(r.code).toBe(1);
    const runs = readLines<RunRecord>(path.join(r.stdout.trim(), 'runs.ndjson'));
    expect(runs[0]!.status).toBe('failed');
    expect(runs[0]!.reason).toContain('vagrant up --provider libvirt failed');
    expect(runs[0]!.reason).toMatch(/Timed out while waiting for the machine to boot/);
    expectNothingLeft();
  });

  it.skipIf(!kvmUsable())(
    'a domain that dies under KVM fails its run in seconds; with accel auto the backend switches to TCG for the rest',
    async () => {
      // libvirt starts this emulator (as its own user, so from a folder it can read): the probe
      // passes, every KVM domain dies at boot with the KVM internal error and stays alive
      const emulators = tmpDir('emulator');
      fs.chmodSync(emulators, 0o755);
      for (const f of ['kvm-fails-workers', 'nested-kvm'])
        fs.copyFileSync(path.resolve('test/fixtures/qemu', f), path.join(emulators, f));
      const emulator = path.join(emulators, 'kvm-fails-workers');
      const facts = await verdictFacts({ binary: emulator, kernel: image().kernel, initrd: image().initrd });
      fs.rmSync(path.join(verdictsDir(), `${verdictKey(facts)}.json`), { force: true });
      // one run: the switch is decided when it fails; a vagrant boot under TCG is every other test here
      const r = await runVagrantConfig('vagrant-kvm', {
        repetitions: 1,
        workload: { preset: 'tiny', params: { iterations: 30 } },
        vagrant: { provider: 'libvirt', emulator },
      });
      expect(r.stderr).toMatch(/vagrant\/libvirt: KVM — KVM probe guest reached user space/);
      expect(r.code, r.stderr.slice(-3000)).toBe(1);
      const dir = r.stdout.trim();
      const runs = readLines<RunRecord>(path.join(dir, 'runs.ndjson'));
      expect(runs.map((x) => [x.status, x.envFacts?.accelerator])).toEqual([['failed', 'kvm']]);
      expect(runs[0]!.reason).toContain('KVM internal error (suberror 1: emulation failure)');
      expect(runs[0]!.reason).toContain('the remaining runs use TCG');
      // noticed from the domain log within seconds, not at vagrant's 240 s boot timeout
      const noticedS = Number(/died ([\d.]+) s after it was defined/.exec(runs[0]!.reason ?? '')?.[1]);
      expect(noticedS).toBeLessThan(15);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'experiment.json'), 'utf8'));
      expect(meta.environments.vagrant).toMatchObject({ driver: 'qemu', accelerator: 'tcg', emulator });
      expect(meta.environments.vagrant.acceleratorChanges).toHaveLength(1);
      expectNothingLeft();
    },
  );

  it('Ctrl-C during vagrant up stops it, destroys the domains and keeps what was written', async () => {
    const out = tmpDir('vagrant-int');
    let sent = false;
    const r = await runCli(['run', ...ONE_VM, '-o', out], (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (!sent && d.toString().includes('Starting domain')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const dir = fs.readdirSync(out).find((d) => fs.existsSync(path.join(out, d, 'experiment.json')))!;
    expect(JSON.parse(fs.readFileSync(path.join(out, dir, 'experiment.json'), 'utf8')).status).toBe('interrupted');
    expectNothingLeft();
  });

  it('after a kill -9 of the harness, versus clean removes the machines, the pool and the libvirtd it started', async () => {
    const daemonBefore = libvirtdPid();
    const r = await runCli(['run', ...ONE_VM, '-o', tmpDir('vagrant-kill9')], (child) => {
      child.stderr!.on('data', (d: Buffer) => {
        if (d.toString().includes('Starting domain')) child.kill('SIGKILL');
      });
    });
    expect(r.signal).toBe('SIGKILL');
    // what the killed harness left: its run folder, and vagrant still bringing the domain up
    expect(vagrantRuns().length).toBe(1);
    const clean = await runCli(['clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/removed vagrant run /);
    expect(clean.stdout).toMatch(/removed storage pool versus/);
    expectNothingLeft();
    expect(pidsWithCmdline('vagrant\0up\0')).toEqual([]);
    expect(libvirtdPid() === null).toBe(daemonBefore === null);
    expect((await runCli(['clean'])).stdout).toContain('nothing left behind');
  });
});

describe('vagrant boxes of worker images', () => {
  it('versus image rm removes the image and its vagrant box', async () => {
    // a stand-in image (manifest only) with a small real box added under its name
    const cache = tmpDir('vagrant-box-cache');
    const hash = 'abcdef0123456789'.repeat(4);
    const imageDir = path.join(cache, 'images', hash.slice(0, 16));
    fs.mkdirSync(imageDir, { recursive: true });
    fs.writeFileSync(path.join(imageDir, 'manifest.json'), JSON.stringify({ hash, dir: imageDir, createdAt: 'x' }));
    const staging = tmpDir('vagrant-box');
    fs.writeFileSync(path.join(staging, 'metadata.json'), JSON.stringify(libvirtBoxMetadata()));
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(staging, 'box.img'), '16M']);
    execFileSync('tar', ['-cf', path.join(staging, 'test.box'), '-C', staging, 'metadata.json', 'box.img']);
    const name = workerBoxName({ hash });
    const env = { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' };
    execFileSync('vagrant', ['box', 'add', '--force', '--name', name, path.join(staging, 'test.box')], { env });
    const boxes = () => execFileSync('vagrant', ['box', 'list'], { env, encoding: 'utf8' });
    expect(boxes()).toContain(name);

    const r = await runCli(['image', 'rm', hash.slice(0, 8)], undefined, { ...process.env, VERSUS_CACHE: cache });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed ${hash.slice(0, 16)}`);
    expect(r.stdout).toContain(`removed vagrant box ${name}`);
    expect(fs.existsSync(imageDir)).toBe(false);
    expect(boxes()).not.toContain(name);
  });
});

describe('vagrant environment (virtualbox provider: what can be checked without VirtualBox)', () => {
  // vagrant validate checks that the private key exists
  const key = path.join(tmpDir('vagrant-key'), 'id_ed25519');
  fs.writeFileSync(key, 'not a key, only a file\n', { mode: 0o600 });
  const settingsFor = (provider: 'virtualbox' | 'libvirt', box: string) =>
    buildSettings({
      provider,
      runId: 'validate-x2',
      box,
      bootTimeoutS: 240,
      workloadsDir: path.join(PROJECT_ROOT, 'workloads'),
      guestWorkloadsDir: '/opt/versus/workloads',
      workers: [0, 1].map(() => ({ cpus: 2, memoryBytes: 1024 * 2 ** 20, cpuset: null })),
      sshPorts: [2250, 2251],
      artifactsDir: '/tmp/versus-validate',
      ssh: provider === 'libvirt' ? { username: 'root', privateKey: key } : null,
      libvirt:
        provider === 'libvirt'
          ? {
              uri: 'qemu:///system',
              driver: 'qemu',
              emulator: '/usr/bin/qemu-system-x86_64',
              storagePool: 'versus',
              kernel: '/k',
              initrd: '/i',
              cmdline: 'root=/dev/vda',
            }
          : null,
    });

  const validate = (settings: unknown) => {
    const dir = tmpDir('vagrant-validate');
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, JSON.stringify(settings));
    const env = vagrantEnv(process.env, {
      projectRoot: PROJECT_ROOT,
      dotfileDir: path.join(dir, '.vagrant'),
      settingsFile: file,
    });
    try {
      return { code: 0, out: execFileSync('vagrant', ['validate'], { env, encoding: 'utf8' }) };
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string };
      return { code: e.status, out: `${e.stdout}${e.stderr}` };
    }
  };

  it('the Vagrantfile validates with the settings the backend writes, for both providers', () => {
    for (const s of [
      settingsFor('virtualbox', 'debian/bookworm64'),
      // (network bridge's public_network makes vagrant-libvirt ask libvirtd: the bridge test's run checks it)
      settingsFor('libvirt', 'versus/worker-x'),
    ]) {
      const r = validate(s);
      expect(r.out).toContain('Vagrantfile validated successfully');
      expect(r.code).toBe(0);
    }
  });

  it('vagrant validate catches broken settings (so the check above can fail)', () => {
    const r = validate({ ...settingsFor('virtualbox', ''), box: '' });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("Box value for guest 'vagrant-0' is an empty string");
  });

  it('a run with the virtualbox provider on a machine without VirtualBox stops with one clear error', async () => {
    const r = await runCli([
      'run',
      '--preset',
      'tiny',
      '--env',
      'vagrant',
      '--vagrant-provider',
      'virtualbox',
      '--no-report',
      '-o',
      tmpDir('vbox'),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('VirtualBox is not installed (VBoxManage not found)');
    expect(r.stderr).not.toMatch(/\n\s+at /); // one message, no stack trace
    expect(vagrantRuns()).toEqual([]);
  });
});
