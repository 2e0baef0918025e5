import { z } from 'zod';

export const ENVIRONMENT_NAMES = ['docker', 'native', 'qemu', 'vagrant'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const positiveInt = z.number().int().positive();

/** The experiment configuration: every field has a default, so `{}` is a valid file. */
export const ExperimentSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(80)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only')
      .default('default')
      .describe('experiment name, used in the results directory name'),
    workload: z
      .object({
        name: z.string().default('pagerank').describe('a folder under workloads/'),
        preset: z.string().default('tiny').describe('a preset of the workload manifest'),
        params: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
          .default({})
          .describe('parameters that override the preset, checked against the workload manifest'),
      })
      .strict()
      .default({ name: 'pagerank', preset: 'tiny', params: {} }),
    environments: z
      .array(z.enum(ENVIRONMENT_NAMES))
      .min(1)
      .default(['docker', 'qemu', 'native'])
      .refine((a) => new Set(a).size === a.length, 'each environment once')
      .describe('environments to compare'),
    instances: z
      .array(positiveInt.max(64))
      .min(1)
      .default([1, 2])
      .describe('workers per run (density), one matrix column each'),
    repetitions: positiveInt.max(1000).default(3).describe('measured runs per cell'),
    adaptive: z
      .object({
        targetCiPct: z
          .number({
            error: (issue) =>
              issue.input === undefined ? 'required for adaptive repetitions (--target-ci <pct>)' : undefined,
          })
          .positive()
          .max(1000)
          .describe('stop a cell once the 95% interval of its mean makespan is within ± this % of the mean'),
        maxRepetitions: positiveInt
          .max(1000)
          .default(10)
          .describe('measured runs per cell at most (failed ones count)'),
      })
      .strict()
      .optional()
      .describe(
        'adaptive repetitions: after `repetitions` rounds, more rounds for the cells whose interval is still wider',
      ),
    warmup: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe('runs per cell before the measured ones, excluded from statistics'),
    seed: z.number().int().min(0).max(4294967295).default(1).describe('seed of the run order shuffle'),
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
        intervalMs: positiveInt.min(50).max(60000).default(250).describe('sampling interval'),
        host: z.boolean().default(true).describe('also sample the host /proc/stat'),
        settleMs: z
          .number()
          .int()
          .min(0)
          .max(60000)
          .default(1000)
          .describe('sampling before the barrier and after the last worker ends'),
        docker: z
          .enum(['cgroup', 'stats', 'both'])
          .default('both')
          .describe(
            "containers: 'cgroup' files at the interval, the engine's 'stats' API stream (about 1 frame/s), or 'both' (the cgroup view drives the figures where it is readable)",
          ),
      })
      .strict()
      .default({ intervalMs: 250, host: true, settleMs: 1000, docker: 'both' }),
    timeouts: z
      .object({
        provisionS: positiveInt.max(3600).default(300).describe('provisioning and boot of all workers of a run'),
        runS: positiveInt.max(86400).default(900).describe('from the barrier to the last worker end'),
        teardownS: positiveInt.max(600).default(60).describe('teardown of a run'),
      })
      .strict()
      .default({ provisionS: 300, runS: 900, teardownS: 60 }),
    docker: z
      .object({
        socketPath: z
          .string()
          .optional()
          .describe('Docker Engine socket (default: DOCKER_HOST or /var/run/docker.sock)'),
        apiTimeoutS: positiveInt
          .max(600)
          .default(30)
          .describe('bound on every short Docker API call (create, start, inspect, remove)'),
      })
      .strict()
      .default({ apiTimeoutS: 30 }),
    qemu: z
      .object({
        binary: z.string().default('qemu-system-x86_64').describe('QEMU system emulator'),
        accel: z
          .enum(['auto', 'kvm', 'hvf', 'tcg'])
          .default('auto')
          .describe('auto: KVM when a probe guest really runs, HVF on macOS, else TCG'),
        bootTimeoutS: positiveInt.max(3600).default(240).describe('QEMU start to SSH ready, per run'),
        shutdownTimeoutS: positiveInt.max(600).default(10).describe('guest poweroff before QEMU is killed'),
      })
      .strict()
      .default({ binary: 'qemu-system-x86_64', accel: 'auto', bootTimeoutS: 240, shutdownTimeoutS: 10 }),
    vagrant: z
      .object({
        provider: z
          .enum(['libvirt', 'virtualbox'])
          .default('libvirt')
          .describe(
            'libvirt: the worker image as a local box (QEMU/KVM); virtualbox: a public box, provisioned with node',
          ),
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
      }),
    native: z
      .object({
        runtime: z
          .enum(['image', 'host'])
          .default('image')
          .describe(
            "'image': the worker image's own node through chroot (same runtime as containers and VMs); 'host': this machine's node",
          ),
      })
      .strict()
      .default({ runtime: 'image' }),
    output: z
      .object({
        dir: z.string().default('results').describe('where result directories are created'),
      })
      .strict()
      .default({ dir: 'results' }),
  })
  .strict();

export type ExperimentInput = z.input<typeof ExperimentSchema>;
export type Experiment = z.output<typeof ExperimentSchema>;

export function experimentJsonSchema(): unknown {
  return z.toJSONSchema(ExperimentSchema, { io: 'input' });
}
