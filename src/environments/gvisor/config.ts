// The gvisor section of the experiment config.
import { z } from 'zod';

export const gvisorConfig = z
  .object({
    runtime: z
      .string()
      .min(1)
      .default('runsc')
      .describe(
        "the engine's runtime name for gVisor (daemon.json runtimes); scripts/with-docker.sh registers 'runsc' with --platform=ptrace --network=none",
      ),
  })
  .strict()
  .default({ runtime: 'runsc' });
