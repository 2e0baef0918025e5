// The charliecloud section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

export const charliecloudConfig = z
  .object({
    binary: z.string().min(1).default('ch-run').describe("Charliecloud's runner (Debian's charliecloud-runtime)"),
    limits: z
      .enum(['cgroup', 'none'])
      .default('cgroup')
      .describe(
        "'cgroup': each worker in a cgroup of its own with the CPU quota and memory limit a container gets (as native); 'none': unconstrained",
      ),
  })
  .strict()
  .default({ binary: 'ch-run', limits: 'cgroup' });

export type CharliecloudConfig = z.output<typeof charliecloudConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function charliecloudSection(e: Experiment): CharliecloudConfig {
  return charliecloudConfig.parse(e.charliecloud);
}
