// What `versus doctor` says about QEMU and the accelerator.
import fs from 'node:fs';
import { imageDir, readManifest } from '../../image/manifest.js';
import { imageHash } from '../../image/spec.js';
import { versionOf } from '../../util/exec.js';
import type { DoctorCheck } from '../descriptor.js';
import { cachedVerdict, chooseAccelerator, describeChoice } from './accel.js';

const TCG_COST =
  "VMs run under TCG software emulation: about 15x slower than KVM on the compute workloads here, so VM numbers are an emulator's (a host with a working /dev/kvm fixes it; runs record the accelerator)";

/** The KVM verdict for this host and the current worker image: cached, else probed now; TCG is a warning. */
export async function acceleratorCheck(
  qemuBinary: string,
  reprobe: boolean,
): Promise<{ detail: string; warn: boolean }> {
  if (!fs.existsSync('/dev/kvm')) return { detail: `no /dev/kvm: ${TCG_COST}`, warn: true };
  const m = readManifest(imageDir(imageHash()));
  if (!m)
    return {
      detail: '/dev/kvm present; probed once the worker image is built (it boots the image kernel)',
      warn: false,
    };
  const target = { binary: qemuBinary, kernel: m.kernel, initrd: m.initrd };
  const cached = reprobe ? null : await cachedVerdict(target);
  const choice = cached
    ? { accel: cached.accel, reason: cached.reason, probedAt: cached.probedAt, cached: true }
    : await chooseAccelerator('auto', target, { reprobe: true });
  const verdict = `${describeChoice('VMs', choice).replace(/^VMs: /, '')}${choice.cached ? '; versus doctor --reprobe redoes it' : ''}`;
  return choice.accel === 'tcg' ? { detail: `${verdict}. ${TCG_COST}`, warn: true } : { detail: verdict, warn: false };
}

export async function qemuChecks(qemuBinary: string, reprobe: boolean): Promise<DoctorCheck[]> {
  const qemu = await versionOf(qemuBinary, ['--version']);
  const checks: DoctorCheck[] = [
    {
      name: 'qemu',
      ok: qemu !== null,
      detail: qemu ?? `${qemuBinary} missing: apt-get install qemu-system-x86 qemu-utils`,
    },
  ];
  if (qemu) checks.push({ name: 'accelerator', ok: true, ...(await acceleratorCheck(qemuBinary, reprobe)) });
  else checks.push({ name: 'accelerator', ok: false, detail: 'no qemu to run' });
  return checks;
}
