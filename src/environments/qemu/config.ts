// The qemu section of the experiment config (its accel is the vagrant/libvirt backend's too).
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

const positiveInt = z.number().int().positive();

export const qemuConfig = z
  .object({
    binary: z.string().default('qemu-system-x86_64').describe('QEMU system emulator'),
    accel: z
      .enum(['auto', 'kvm', 'hvf', 'tcg'])
      .default('auto')
      .describe('auto: KVM when a probe guest really runs, HVF on macOS, else TCG'),
    bootTimeoutS: positiveInt.max(3600).default(240).describe('QEMU start to SSH ready, per run'),
    shutdownTimeoutS: positiveInt.max(600).default(10).describe('guest poweroff before QEMU is killed'),
  })
  .strict()
  .default({ binary: 'qemu-system-x86_64', accel: 'auto', bootTimeoutS: 240, shutdownTimeoutS: 10 });

export type QemuConfig = z.output<typeof qemuConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function qemuSection(e: Experiment): QemuConfig {
  return qemuConfig.parse(e.qemu);
}
