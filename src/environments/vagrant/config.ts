// The vagrant section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

const positiveInt = z.number().int().positive();

export const vagrantConfig = z
  .object({
    provider: z
      .enum(['libvirt', 'virtualbox'])
      .default('libvirt')
      .describe('libvirt: the worker image as a local box (QEMU/KVM); virtualbox: a public box, provisioned with node'),
    box: z
      .string()
      .min(1)
      .optional()
      .describe('box name; default: the worker image box for libvirt, debian/bookworm64 for virtualbox'),
    binary: z.string().default('vagrant').describe('the vagrant program'),
    libvirtUri: z.string().default('qemu:///system').describe('libvirt connection of the libvirt provider'),
    emulator: z
      .string()
      .min(1)
      .optional()
      .describe(
        "the QEMU binary libvirt starts for the domains (vagrant-libvirt emulator_path; the KVM probe runs it too); default: libvirt's own",
      ),
    bootTimeoutS: positiveInt
      .max(3600)
      .default(240)
      .describe(
        "vagrant's wait for SSH per machine (config.vm.boot_timeout); timeouts.provisionS bounds all of vagrant up",
      ),
    destroyTimeoutS: positiveInt
      .max(600)
      .default(50)
      .describe('vagrant destroy -f before its domains are removed directly; within timeouts.teardownS'),
  })
  .strict()
  .default({
    provider: 'libvirt',
    binary: 'vagrant',
    libvirtUri: 'qemu:///system',
    bootTimeoutS: 240,
    destroyTimeoutS: 50,
  });

export type VagrantConfig = z.output<typeof vagrantConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function vagrantSection(e: Experiment): VagrantConfig {
  return vagrantConfig.parse(e.vagrant);
}
