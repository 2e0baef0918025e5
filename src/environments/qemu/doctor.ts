// What `versus doctor` says about QEMU and the accelerator.
import fs from 'node:fs';
import { imageDir, readManifest } from '../../image/manifest.js';
import { imageHash } from '../../image/spec.js';
import { versionOf } from '../../util/exec.js';
import type { DoctorCheck } from '../descriptor.js';
import { cachedVerdict, chooseAccelerator, describeChoice } from './accel.js';

/** The KVM verdict for this host and the current worker image: cached, else probed now. */
export async function acceleratorCheck(qemuBinary: string, reprobe: boolean): Promise<string> {
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

export async function qemuChecks(qemuBinary: string, reprobe: boolean): Promise<DoctorCheck[]> {
  const qemu = await versionOf(qemuBinary, ['--version']);
  return [
    { name: 'qemu', ok: qemu !== null, detail: qemu ?? 'missing: apt-get install qemu-system-x86 qemu-utils' },
    { name: 'accelerator', ok: true, detail: qemu ? await acceleratorCheck(qemuBinary, reprobe) : 'no qemu' },
  ];
}
