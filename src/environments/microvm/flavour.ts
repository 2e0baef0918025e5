// The qemu backend as microVMs: the same boot, SSH, samplers and teardown, another machine and init.
import { IMAGE_SPEC } from '../../image/spec.js';
import { QemuEnvironment } from '../qemu/backend.js';
import type { VmFlavour } from '../qemu/flavour.js';

export { QemuEnvironment };

/** QEMU's microvm machine booted into the image's minimal init; stopped without a guest poweroff (no systemd). */
export const MICROVM_FLAVOUR: VmFlavour = {
  name: 'microvm',
  machine: 'microvm',
  // its console is its sign of life (qemu/silentConsole.ts): the kernel talks from its first instant
  cmdline: (c) => `${c.replace(/(^| )quiet( |$)/, ' ').trim()} init=${IMAGE_SPEC.microvmInit.path}`,
  watchConsole: true,
  askPoweroff: false,
  tscHint: true,
};
