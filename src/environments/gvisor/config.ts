// The gvisor section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

export const gvisorConfig = z
  .object({
    runtime: z
      .string()
      .min(1)
      .default('runsc')
      .describe(
        "the engine's runtime name for gVisor (daemon.json runtimes); scripts/with-docker.sh registers 'runsc' with --platform=ptrace --network=none",
      ),
    networkRuntime: z
      .string()
      .min(1)
      .default('runsc-net')
      .describe(
        "the runtime for workers with a network (bridge, host); scripts/with-docker.sh registers 'runsc-net' with --platform=ptrace --network=host (the container's own namespace, the host kernel's stack)",
      ),
  })
  .strict()
  .default({ runtime: 'runsc', networkRuntime: 'runsc-net' });

export type GvisorConfig = z.output<typeof gvisorConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function gvisorSection(e: Experiment): GvisorConfig {
  return gvisorConfig.parse(e.gvisor);
}
