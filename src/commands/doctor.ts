import type { Command } from 'commander';
import { validateExperiment } from '../config/load.js';
import type { DoctorCheck } from '../environments/descriptor.js';
import { ENVIRONMENTS } from '../environments/registry.js';
import { imageDir, readManifest } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';
import { which } from '../util/exec.js';

/** Every backend's own checks (from the registry), then the tools and the worker image. */
export async function doctorChecks(opts: { qemuBinary?: string; reprobe?: boolean } = {}): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('root', process.getuid?.() === 0, process.getuid?.() === 0 ? 'yes' : 'image build and native chroot need root');
  const experiment = validateExperiment(opts.qemuBinary ? { qemu: { binary: opts.qemuBinary } } : {}, 'flags');
  const image = readManifest(imageDir(imageHash()));
  for (const d of ENVIRONMENTS) {
    if (d.doctor)
      checks.push(...(await d.doctor({ experiment, image, log: () => {}, reprobe: opts.reprobe ?? false })));
  }
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
  add(
    'worker image',
    image !== null,
    image
      ? `${image.hash.slice(0, 16)} node ${image.nodeVersion}, built in ${image.buildSeconds.toFixed(0)} s`
      : 'not built yet: versus image build (versus run builds it too)',
  );
  return checks;
}

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      "what is installed and running: every environment's own checks (engine, qemu and the KVM verdict, vagrant and libvirtd, ...), debootstrap, chromium, the worker image",
    )
    .option('--reprobe', 'boot the KVM probe guest again instead of using the cached verdict')
    .option('--qemu <binary>', 'the QEMU binary to probe (as qemu.binary in a config)', 'qemu-system-x86_64')
    .action(async (opts: { reprobe?: boolean; qemu: string }) => {
      const checks = await doctorChecks({ qemuBinary: opts.qemu, reprobe: opts.reprobe });
      const w = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'MISS'}  ${c.name.padEnd(w)}  ${c.detail}\n`);
    });
}
