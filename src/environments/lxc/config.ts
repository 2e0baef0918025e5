// The lxc section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

export const lxcConfig = z
  .object({
    lxcpath: z
      .string()
      .min(1)
      .default('/var/lib/versus-lxc')
      .describe(
        "where each run's container configs live (lxc-execute -P), a folder per run — configs and each container's overlay layer — removed with it",
      ),
  })
  .strict()
  .default({ lxcpath: '/var/lib/versus-lxc' });

export type LxcConfig = z.output<typeof lxcConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function lxcSection(e: Experiment): LxcConfig {
  return lxcConfig.parse(e.lxc);
}
