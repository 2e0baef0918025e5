// The docker section of the experiment config.
import { z } from 'zod';
import type { Experiment } from '../../config/schema.js';
import type { EngineLimits } from './call.js';

const positiveInt = z.number().int().positive();

export const dockerConfig = z
  .object({
    socketPath: z.string().optional().describe('Docker Engine socket (default: DOCKER_HOST or /var/run/docker.sock)'),
    apiTimeoutS: positiveInt
      .max(600)
      .default(30)
      .describe('bound on every short Docker API call (create, start, inspect, remove)'),
    engineConcurrency: positiveInt
      .max(1024)
      .default(16)
      .describe('engine calls that create, start, attach or remove containers at once; the rest wait their turn'),
    busyTimeoutS: positiveInt
      .max(3600)
      .default(600)
      .describe(
        'a call past apiTimeoutS while the engine still answers pings (busy, not dead) is waited for up to this long',
      ),
    sampling: z
      .enum(['cgroup', 'stats', 'both'])
      .default('both')
      .describe(
        "containers: 'cgroup' files at the interval, the engine's 'stats' API stream (about 1 frame/s), or 'both' (the cgroup view drives the figures where it is readable)",
      ),
  })
  .strict()
  .default({ apiTimeoutS: 30, engineConcurrency: 16, busyTimeoutS: 600, sampling: 'both' });

/** docker's part of a host entry (`hosts[].docker`); gVisor uses the same engine. */
export const dockerHostConfig = z
  .object({
    socket: z.string().min(1).default('/var/run/docker.sock').describe("the host's Docker Engine socket"),
  })
  .strict()
  .default({ socket: '/var/run/docker.sock' });

/** The engine socket of a remote host, from its docker section. */
export function dockerSocketOf(host: { readonly [k: string]: unknown }): string {
  return dockerHostConfig.parse(host.docker).socket;
}

export type DockerConfig = z.output<typeof dockerConfig>;
/** This backend's section of an experiment (validated when loaded; defaults where a caller left it out). */
export function dockerSection(e: Experiment): DockerConfig {
  return dockerConfig.parse(e.docker);
}

/** How hard this experiment may press its engine. */
export function engineLimitsOf(e: Experiment): EngineLimits {
  const d = dockerSection(e);
  return { apiTimeoutS: d.apiTimeoutS, concurrency: d.engineConcurrency, busyS: d.busyTimeoutS };
}
