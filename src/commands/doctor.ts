import fs from 'node:fs';
import type { Command } from 'commander';
import { dockerClient } from '../environments/docker.js';
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

export async function doctorChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('root', process.getuid?.() === 0, process.getuid?.() === 0 ? 'yes' : 'image build and native chroot need root');
  try {
    const v = await dockerClient({}).version();
    add('docker engine', true, `${v.Version} (API ${v.ApiVersion})`);
  } catch (err) {
    add('docker engine', false, `not answering: ${(err as Error).message} — scripts/setup.sh starts dockerd`);
  }
  const qemu = await version('qemu-system-x86_64', ['--version']);
  add('qemu', qemu !== null, qemu ?? 'missing: apt-get install qemu-system-x86 qemu-utils');
  const kvm = fs.existsSync('/dev/kvm');
  add(
    'accelerator',
    true,
    kvm
      ? '/dev/kvm present (probed at run time; TCG when it fails)'
      : 'no /dev/kvm: VMs run under TCG (slow, recorded)',
  );
  for (const [tool, pkg] of [
    ['debootstrap', 'debootstrap'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['qemu-img', 'qemu-utils'],
    ['ssh-keygen', 'openssh-client'],
    ['chromium', 'chromium'],
    ['vagrant', 'vagrant'],
  ] as const) {
    const p = await which(tool);
    add(tool, p !== null, p ?? `missing: apt-get install ${pkg}`);
  }
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

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'what is installed and running: docker engine, qemu and accelerator, vagrant, debootstrap, chromium, the worker image',
    )
    .action(async () => {
      const checks = await doctorChecks();
      const w = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'MISS'}  ${c.name.padEnd(w)}  ${c.detail}\n`);
    });
}
