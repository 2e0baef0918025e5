// The native section of the experiment config.
import { z } from 'zod';

export const nativeConfig = z
  .object({
    runtime: z
      .enum(['image', 'host'])
      .default('image')
      .describe(
        "'image': the worker image's own node through chroot (same runtime as containers and VMs); 'host': this machine's node",
      ),
  })
  .strict()
  .default({ runtime: 'image' });
