import fs from 'node:fs';
import type { Command } from 'commander';
import { dockerClient } from '../environments/docker.js';
import { cachedVerdict, chooseAccelerator, describeChoice } from '../environments/qemu/accel.js';
import { listBoxes, workerBoxName } from '../environments/vagrant/box.js';
import { Libvirt } from '../environments/vagrant/libvirt.js';
import { vagrantInventory, vagrantToolEnv } from '../environments/vagrant.js';
import { imageDir, readManifest } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';
import { run, which } from '../util/exec.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function version(cmd: string, args: string[]): Promise<string | null> {
  if (!(await which(cmd))) return null;
  const r = await run(cmd, args, { allowFail: true, timeoutMs: 10_000 });
  return (r.stdout || r.stderr).split('\n')[0]!.trim();
}

/** The KVM verdict for this host and the current worker image: cached, else probed now. */
async function acceleratorCheck(qemuBinary: string, reprobe: boolean): Promise<string> {
  if (!fs.existsSync('/dev/kvm')) return 'no /dev/kvm: VMs run under TCG (slow, recorded)';
  const m = readManifest(imageDir(imageHash()));
  if (!m) return '/dev/kvm present; probed once the worker image is built (it boots the image kernel)';
  const target = { binary: qemuBinary, kernel: m.kernel, initrd: m.initrd };
  const cached = reprobe ? null : await cachedVerdict(target);
  const choice = cached
    ? { accel: cached.accel, reason: cached.reason, probedAt: cached.probedAt, cached: true }
    : await chooseAccelerator('auto', target, { reprobe: true });
  return `${describeChoice('VMs', choice).replace(/^VMs: /, '')}${choice.cached ? '; versus doctor --reprobe redoes it' : ''}`;
}

export async function doctorChecks(opts: { qemuBinary?: string; reprobe?: boolean } = {}): Promise<Check[]> {
  const qemuBinary = opts.qemuBinary ?? 'qemu-system-x86_64';
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('root', process.getuid?.() === 0, process.getuid?.() === 0 ? 'yes' : 'image build and native chroot need root');
  try {
    const v = await dockerClient({}).version();
    add('docker engine', true, `${v.Version} (API ${v.ApiVersion})`);
  } catch (err) {
    add('docker engine', false, `not answering: ${(err as Error).message} — scripts/setup.sh starts dockerd`);
  }
  const qemu = await version(qemuBinary, ['--version']);
  add('qemu', qemu !== null, qemu ?? 'missing: apt-get install qemu-system-x86 qemu-utils');
  add('accelerator', true, qemu ? await acceleratorCheck(qemuBinary, opts.reprobe ?? false) : 'no qemu');
  for (const [tool, pkg] of [
    ['debootstrap', 'debootstrap'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['qemu-img', 'qemu-utils'],
    ['ssh-keygen', 'openssh-client'],
    ['chromium', 'chromium'],
  ] as const) {
    const p = await which(tool);
    add(tool, p !== null, p ?? `missing: apt-get install ${pkg}`);
  }
  checks.push(...(await vagrantChecks()));
  const m = readManifest(imageDir(imageHash()));
  add(
    'worker image',
    m !== null,
    m
      ? `${m.hash.slice(0, 16)} node ${m.nodeVersion}, built in ${m.buildSeconds.toFixed(0)} s`
      : 'not built yet: versus image build (versus run builds it too)',
  );
  return checks;
}

/** vagrant, its plugins, the two providers it is used with, and libvirtd. */
async function vagrantChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const inventory = await vagrantInventory();
  add(
    'vagrant',
    inventory !== null,
    inventory?.version ?? 'missing: apt-get install vagrant vagrant-libvirt (needed for --env vagrant only)',
  );
  if (inventory === null) return checks;
  const { plugins } = inventory;
  add('vagrant plugins', true, plugins.length ? plugins.map((p) => `${p.name} ${p.version}`).join(', ') : 'none');
  const libvirtPlugin = plugins.some((p) => p.name === 'vagrant-libvirt');
  const box = workerBoxName({ hash: imageHash() });
  const boxes = await listBoxes('vagrant', vagrantToolEnv());
  add(
    'vagrant box',
    true,
    boxes.some((b) => b.name === box)
      ? `${box} (the current worker image) added`
      : `${box} not added yet: versus run --env vagrant adds it (or versus image build --vagrant-box)`,
  );
  const virsh = await which('virsh');
  add(
    'provider libvirt',
    libvirtPlugin && virsh !== null,
    libvirtPlugin
      ? virsh
        ? 'vagrant-libvirt and virsh installed'
        : 'virsh missing: apt-get install libvirt-daemon-system libvirt-clients'
      : 'vagrant-libvirt missing: apt-get install vagrant-libvirt',
  );
  const vbox = await version('VBoxManage', ['--version']);
  add(
    'provider virtualbox',
    vbox !== null,
    vbox
      ? `VirtualBox ${vbox}`
      : 'VirtualBox not installed (not in Debian; --vagrant-provider libvirt works without it)',
  );
  if (virsh) {
    const up = await new Libvirt('qemu:///system').reachable();
    add(
      'libvirtd',
      true,
      up
        ? 'running (qemu:///system answers)'
        : (await which('libvirtd'))
          ? 'not running: versus starts it for a vagrant experiment and stops it after'
          : 'not installed: apt-get install libvirt-daemon-system',
    );
  }
  return checks;
}

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'what is installed and running: docker engine, qemu and accelerator, debootstrap, chromium, the worker image, vagrant with its plugins and providers, libvirtd',
    )
    .option('--reprobe', 'boot the KVM probe guest again instead of using the cached verdict')
    .option('--qemu <binary>', 'the QEMU binary to probe (as qemu.binary in a config)', 'qemu-system-x86_64')
    .action(async (opts: { reprobe?: boolean; qemu: string }) => {
      const checks = await doctorChecks({ qemuBinary: opts.qemu, reprobe: opts.reprobe });
      const w = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'MISS'}  ${c.name.padEnd(w)}  ${c.detail}\n`);
    });
}
