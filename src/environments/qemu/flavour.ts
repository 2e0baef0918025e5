// The machines the qemu backend boots: q35 for the qemu environment (microvm's is in environments/microvm/).
import type { MachineType } from './args.js';

/** What makes a microVM of the same backend: its machine, its init, how it is stopped. */
export interface VmFlavour {
  name: 'qemu' | 'microvm';
  machine: MachineType;
  /** the kernel command line from the image's (microvm: init= the image's minimal init, not quiet) */
  cmdline(imageCmdline: string): string;
  /** restart a guest whose console stays empty (one that prints from its first instant: microvm) */
  watchConsole: boolean;
  /** ask the guest to power off before QEMU is stopped (systemd's); microvm: QEMU stopped at once */
  askPoweroff: boolean;
  /**
   * under TCG, tell the guest its TSC frequency (tsc_early_khz) instead of letting it time the TSC
   * against the PIT: microvm has no HPET or PM timer to fall back on, and a measurement that
   * fails on a host whose speed flips (a VM guest itself) leaves the kernel hung
   */
  tscHint?: boolean;
}

/**
 * The TSC frequency a TCG guest sees, in kHz: QEMU's TCG reads the host's TSC, so the host's.
 * Known only where the host is itself a VM guest (its "cpu MHz" is the TSC frequency the
 * hypervisor gives it); null elsewhere, and the guest measures it against the PIT as before.
 */
export function hostTscKhz(cpuinfo: string): number | null {
  if (!/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo) || !/^flags\s*:.*\bconstant_tsc\b/m.test(cpuinfo)) return null;
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
  return mhz > 0 ? Math.round(mhz * 1000) : null;
}

export const QEMU_FLAVOUR: VmFlavour = {
  name: 'qemu',
  machine: 'q35',
  cmdline: (c) => c,
  watchConsole: false,
  askPoweroff: true,
};
