import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../util/exec.js';

export type Accelerator = 'kvm' | 'hvf' | 'tcg';

export interface AccelChoice {
  accel: Accelerator;
  /** why this one: what was probed and what failed */
  reason: string;
}

/** A 512-byte boot sector that prints "OK" on the serial port and halts. */
export function probeBootSector(): Buffer {
  const code = [0xba, 0xf8, 0x03, 0xb0, 0x4f, 0xee, 0xb0, 0x4b, 0xee, 0xb0, 0x0a, 0xee, 0xfa, 0xf4, 0xeb, 0xfd];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/**
 * KVM only when it really runs a guest: on nested set-ups /dev/kvm can exist while
 * every guest dies with "KVM internal error ... emulation failure".
 */
export async function chooseAccelerator(
  requested: 'auto' | Accelerator,
  qemu = 'qemu-system-x86_64',
): Promise<AccelChoice> {
  if (requested !== 'auto') return { accel: requested, reason: 'requested in the config' };
  if (process.platform === 'darwin') return { accel: 'hvf', reason: 'macOS: Hypervisor.framework' };
  if (!fs.existsSync('/dev/kvm')) return { accel: 'tcg', reason: 'no /dev/kvm: software emulation (TCG)' };
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return { accel: 'tcg', reason: '/dev/kvm is not accessible to this user: TCG' };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-kvm-probe-'));
  try {
    const img = path.join(dir, 'probe.img');
    fs.writeFileSync(img, probeBootSector());
    const r = await run(
      qemu,
      [
        '-accel',
        'kvm',
        '-machine',
        'pc',
        '-m',
        '16',
        '-nodefaults',
        '-display',
        'none',
        '-no-reboot',
        '-serial',
        'stdio',
        '-drive',
        `file=${img},format=raw,if=ide`,
      ],
      { allowFail: true, timeoutMs: 8000 },
    );
    if (r.stdout.includes('OK')) return { accel: 'kvm', reason: 'KVM probe guest ran' };
    const why =
      /KVM internal error[^\n]*|emulation failure[^\n]*|Could not access KVM[^\n]*|failed to initialize kvm[^\n]*/i.exec(
        r.stderr,
      )?.[0];
    return {
      accel: 'tcg',
      reason: `KVM probe failed (${why ?? (r.stderr.trim().split('\n')[0] || 'no output')}): TCG`,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
