// The podman section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';

const limit = z.number().int().positive().max(1048576);

export const podmanConfig = z
  .object({
    socketPath: z
      .string()
      .min(1)
      .default('/run/podman/podman.sock')
      .describe(
        "Podman's Docker-compatible API socket; versus starts `podman system service` on it when nothing answers, and stops it after",
      ),
    binary: z.string().default('podman').describe('the podman program (to start the service and find leftovers)'),
    nofile: limit
      .default(4096)
      .describe('RLIMIT_NOFILE of every container, set explicitly: Podman 4.3 raises it past what runc may set here'),
    nproc: limit.default(4096).describe('RLIMIT_NPROC of every container, set explicitly (as nofile)'),
  })
  .strict()
  .default({ socketPath: '/run/podman/podman.sock', binary: 'podman', nofile: 4096, nproc: 4096 });

export type PodmanConfig = z.output<typeof podmanConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function podmanSection(e: Experiment): PodmanConfig {
  return podmanConfig.parse(e.podman);
}
