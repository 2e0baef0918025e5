// The experiment configuration's own fields. The whole schema is assembled by the
// composition (src/compose/config.ts) from these, each environment's section (its
// descriptor's config) and the hosts section (each descriptor's host part): nothing
// here knows which environments exist.
import { z } from 'zod';
import type { HostConfig } from '../hosts/schema.js';
import { DEFAULT_INTERVAL_MS } from '../sampling/types.js';
import { NETWORK_MODES } from '../workload/roles.js';
import { PlacementInput, SingleWorkloadInput, type WorkloadEntry, WorkloadEntryInput } from '../workload/suite.js';

/** The paper's Fig. 3 and Fig. 4: 2, 4, …, 512 instances. */
export const PAPER_BOOT_STEPS = [2, 4, 8, 16, 32, 64, 128, 256, 512] as const;

const positiveInt = z.number().int().positive();
const settleMs = (what: string) => z.number().int().min(0).max(60000).default(1000).describe(what);

/** The environments the `environments` field accepts: every one this build has, and the default ones. */
export interface EnvironmentChoice {
  names: readonly [string, ...string[]];
  defaults: readonly string[];
}

/** The fields before the environments' sections; every field has a default, so `{}` is a valid file. */
export function coreFields(environments: EnvironmentChoice) {
  return {
    name: z
      .string()
      .min(1)
      .max(80)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only')
      .default('default')
      .describe('experiment name, used in the results directory name'),
    workload: SingleWorkloadInput.nullable().optional().describe('one workload (same as a workloads list of one)'),
    workloads: z
      .array(WorkloadEntryInput)
      .min(1)
      .nullable()
      .optional()
      .describe('the workloads to run, each with its preset and params; every run of the matrix is repeated per entry'),
    suite: z
      .string()
      .nullable()
      .optional()
      .describe('a suite: suites/<name>.yaml (paper, micro, …) or a path to one; default: the default suite'),
    preset: z.string().nullable().optional().describe("preset for every workload, over the entries' own"),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .nullable()
      .optional()
      .describe('parameter overrides: name for every workload declaring it, workload.name for one'),
    network: z
      .enum(NETWORK_MODES)
      .nullable()
      .optional()
      .describe(
        "every workload's network, over the manifests' and entries' own: none, bridge (a private segment per run) or host",
      ),
    placement: PlacementInput.nullable()
      .optional()
      .describe(
        "where roles run, for every workload with such a role: environment, or host (a native process on the run's segment; e.g. client: host is Felter's external client)",
      ),
    workloadDirs: z
      .array(z.string().min(1))
      .default([])
      .describe("folders searched for workloads before the project's workloads/"),
    environments: z
      .array(z.enum(environments.names))
      .min(1)
      .default([...environments.defaults])
      .refine((a) => new Set(a).size === a.length, 'each environment once')
      .describe('environments to compare'),
    instances: z
      .array(positiveInt)
      .min(1)
      .default([1, 2])
      .describe(
        "workers per run (density), one matrix column each; as many as the host's limits allow (checked before the first run)",
      ),
    repetitions: positiveInt.max(1000).default(3).describe('measured runs per cell'),
    adaptive: z
      .object({
        targetCiPct: z
          .number()
          .positive()
          .max(1000)
          .optional()
          .describe('stop a cell once the 95% interval of its mean makespan is within ± this % of the mean'),
        targetMdePct: z
          .number()
          .positive()
          .max(1000)
          .optional()
          .describe(
            'stop a cell once the smallest change of its mean makespan a like run could detect (80% power, 5% two-sided) is at most this %',
          ),
        maxRepetitions: positiveInt
          .max(1000)
          .default(10)
          .describe('measured runs per cell at most (failed ones count)'),
      })
      .strict()
      .refine((a) => a.targetCiPct !== undefined || a.targetMdePct !== undefined, {
        message: 'adaptive repetitions need a target: --target-ci <pct> or --target-mde <pct>',
      })
      .optional()
      .describe(
        'adaptive repetitions: after `repetitions` rounds, more rounds for the cells whose interval (or detectable change) is still wider than the target',
      ),
    warmup: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe('runs per cell before the measured ones, excluded from statistics'),
    seed: z.number().int().min(0).max(4294967295).default(1).describe('seed of the run order shuffle'),
    canary: z
      .boolean()
      .default(true)
      .describe(
        'the drift canary: a fixed piece of work run natively on the host, pinned, before each block of runs; its speed is recorded with every run and the report marks runs taken while the host was off its median',
      ),
    worker: z
      .object({
        cpus: z
          .number()
          .positive()
          .max(256)
          .default(1)
          .describe('CPUs per worker: container --cpus, VM vCPUs, workload threads'),
        memoryMiB: positiveInt.min(64).max(1048576).default(1024).describe('memory per worker in MiB'),
        pinCpus: z.boolean().default(false).describe('pin each worker to its own host CPUs (cpuset / taskset)'),
      })
      .strict()
      .default({ cpus: 1, memoryMiB: 1024, pinCpus: false }),
    sampling: z
      .object({
        intervalMs: positiveInt.min(50).max(60000).default(DEFAULT_INTERVAL_MS).describe('sampling interval'),
        host: z.boolean().default(true).describe('also sample the host /proc/stat'),
        workers: z
          .boolean()
          .default(true)
          .describe(
            "sample the workers' own views (cgroup, Docker stats, guest, process); false with host false runs them unobserved: the barrier and the result line only (what bench/observer.bench.mjs compares against)",
          ),
        settleMs: settleMs('sampling before the barrier and after the last worker ends'),
        memoryIntervalMs: positiveInt
          .min(100)
          .max(600000)
          .default(2000)
          .describe(
            "how often the workload's PSS/USS (smaps_rollup, a page-table walk: ~2.5 ms per 200 MB process) are read; CPU ticks in between repeat the last value",
          ),
      })
      .strict()
      .default({ intervalMs: DEFAULT_INTERVAL_MS, host: true, workers: true, settleMs: 1000, memoryIntervalMs: 2000 }),
    sweep: z
      .object({
        instances: z
          .array(positiveInt)
          .min(1)
          .default([...PAPER_BOOT_STEPS])
          .describe("a boot sweep's points: instances started one after another up to the largest (Fig. 3 and 4)"),
        memoryFloorMiB: positiveInt
          .default(2048)
          .describe("a boot sweep stops once the host's MemAvailable falls below this"),
        intervalMs: positiveInt
          .min(100)
          .max(60000)
          .default(1000)
          .describe("sampling interval of a boot sweep's idle instances"),
        settleMs: settleMs('idle time after each instance is ready, before the memory is read'),
      })
      .strict()
      .prefault({})
      .describe('the boot sweep (`versus sweep`): Fig. 3 and Fig. 4 of the paper'),
    timeouts: z
      .object({
        provisionS: positiveInt.max(3600).default(300).describe('provisioning and boot of all workers of a run'),
        runS: positiveInt.max(86400).default(900).describe('from the barrier to the last worker end'),
        teardownS: positiveInt.max(600).default(60).describe('teardown of a run'),
      })
      .strict()
      .default({ provisionS: 300, runS: 900, teardownS: 60 }),
  };
}

/** The last field, after the sections and hosts. */
export const outputField = {
  output: z
    .object({
      dir: z.string().default('results').describe('where result directories are created'),
    })
    .strict()
    .default({ dir: 'results' }),
};

type ParsedCore = z.output<z.ZodObject<ReturnType<typeof coreFields> & typeof outputField>>;

/**
 * A validated experiment: whichever workload form the config used, one list of entries.
 * Each environment's section (`experiment.docker`, …) is typed by the environment itself
 * (its config.ts); here it is only known to be there.
 */
export type Experiment = Omit<
  ParsedCore,
  'workload' | 'workloads' | 'suite' | 'preset' | 'params' | 'network' | 'placement'
> & {
  workloads: WorkloadEntry[];
  /** the suite the entries came from; null when the config listed workloads */
  suite: string | null;
  hosts: HostConfig[];
  readonly [section: string]: unknown;
};
