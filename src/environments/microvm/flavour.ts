// The qemu backend as microVMs: the same boot, SSH, samplers and teardown, another machine and init.
import { IMAGE_SPEC } from '../../image/spec.js';
import { QemuEnvironment, type VmFlavour } from '../qemu/backend.js';

export { QemuEnvironment };

/** QEMU's microvm machine booted into the image's minimal init; stopped without a guest poweroff (no systemd). */
export const MICROVM_FLAVOUR: VmFlavour = {
  name: 'microvm',
  machine: 'microvm',
  cmdlineExtra: ` init=${IMAGE_SPEC.microvmInit.path}`,
  askPoweroff: false,
};
