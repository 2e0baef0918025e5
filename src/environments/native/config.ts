// The native section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

export const nativeConfig = z
  .object({
    runtime: z
      .enum(['image', 'host'])
      .default('image')
      .describe(
        "'image': the worker image's own node through chroot (same runtime as containers and VMs); 'host': this machine's node",
      ),
    limits: z
      .enum(['cgroup', 'none'])
      .default('cgroup')
      .describe(
        "'cgroup': each worker in a cgroup of its own with the CPU quota and memory limit a container gets; 'none': unconstrained (threads = allocation only)",
      ),
  })
  .strict()
  .default({ runtime: 'image', limits: 'cgroup' });

export type NativeConfig = z.output<typeof nativeConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function nativeSection(e: Experiment): NativeConfig {
  return nativeConfig.parse(e.native);
}
