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
}

export const QEMU_FLAVOUR: VmFlavour = {
  name: 'qemu',
  machine: 'q35',
  cmdline: (c) => c,
  watchConsole: false,
  askPoweroff: true,
};
