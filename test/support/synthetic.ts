// Synthetic result sets with a known shape, for tests, benchmarks and report demos.
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_ENVIRONMENTS, viewsOf } from '../../src/compose/registry.js';
import { FILES, NdjsonWriter, SamplesWriter } from '../../src/results/store.js';
import type { RunRecord, SampleRecord, WorkerRecord, WorkloadMeta } from '../../src/results/types.js';
import { envRank, viewOf } from '../../src/results/views.js';
import { mulberry32 } from '../../src/stats/random.js';
import { writeJsonAtomic } from '../../src/util/files.js';

/** The synthetic results' one workload, declared as a manifest would. */
export const SYNTHETIC_WORKLOAD: WorkloadMeta = {
  id: 'synthetic',
  name: 'synthetic',
  version: 1,
  preset: 'tiny',
  params: { size: 50000 },
  workKey: 'k',
  verification: 'checksum',
  metrics: { opsPerSecond: { unit: 'ops/s', better: 'higher', headline: true } },
  headline: 'opsPerSecond',
};

export interface SyntheticOptions {
  name?: string;
  envs?: string[];
  instances?: number[];
  repetitions?: number;
  /** seconds of samples per run (one sample per worker per interval) */
  durationS?: number;
  intervalS?: number;
  /** runs to mark failed, by run name */
  failed?: string[];
  status?: string;
  accelerator?: 'kvm' | 'tcg';
  /** makespan factor per environment, e.g. { qemu: 1.2 } for an injected 20% regression; 'workload/env' for one workload of a suite */
  slowdown?: Record<string, number>;
  /** how many workloads (a suite): 1 gives the one 'synthetic' workload, more give synthetic-a, synthetic-b, … */
  workloads?: number;
  /** identity of the result set (a history tells result sets apart by these) */
  experimentId?: string;
  startedAt?: string;
  /** multiplies every makespan by a per-run factor from this seed (run-to-run noise of about ±3%) */
  noiseSeed?: number;
  /** a hole in the first worker's samples of one run (a lost sampler connection), marked with gapS after it */
  samplerGap?: { run: string; fromS: number; toS: number };
}

function syntheticSuite(count: number): WorkloadMeta[] {
  if (count <= 1) return [SYNTHETIC_WORKLOAD];
  return Array.from({ length: count }, (_, i) => {
    const id = `synthetic-${String.fromCharCode(97 + i)}`;
    return { ...SYNTHETIC_WORKLOAD, id, workKey: `k-${id}` };
  });
}

const isVm = (env: string) => viewOf(env).kind === 'vm';
/** Makespan factor against native by isolation level; a second VM backend is a little slower (tooling). */
const KIND_SPEED = { container: 1.05, sandbox: 1.25, microvm: 1.3, vm: 1.4, baseline: 1 } as const;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Deterministic: the same options always give the same files. */
export function writeSyntheticResults(dir: string, o: SyntheticOptions = {}): { runs: number; samples: number } {
  const envs = o.envs ?? [...DEFAULT_ENVIRONMENTS];
  const instances = o.instances ?? [1, 2];
  const reps = o.repetitions ?? 3;
  const duration = o.durationS ?? 20;
  const interval = o.intervalS ?? 1;
  const vms = envs.filter(isVm).sort((a, b) => envRank(a) - envRank(b));
  const speed = Object.fromEntries(
    envs.map((env) => [env, KIND_SPEED[viewOf(env).kind] + (vms.indexOf(env) > 0 ? 0.05 * vms.indexOf(env) : 0)]),
  );
  const suite = syntheticSuite(o.workloads ?? 1);
  const rand = mulberry32(o.noiseSeed ?? 0);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of [FILES.runs, FILES.samples]) fs.rmSync(path.join(dir, f), { force: true });
  writeJsonAtomic(path.join(dir, FILES.experiment), {
    status: o.status ?? 'complete',
    experimentId: o.experimentId ?? 'synthetic',
    startedAt: o.startedAt ?? '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T01:00:00.000Z',
    experiment: {
      name: o.name ?? 'synthetic',
      environments: envs,
      instances,
      repetitions: reps,
      warmup: 0,
      worker: { cpus: 1, memoryMiB: 1024 },
      sampling: { intervalMs: interval * 1000 },
    },
    workloads: suite,
    host: {
      cpu: { brand: 'Synthetic CPU', cores: 2 },
      os: { distro: 'Debian', release: '12', kernel: '6.1' },
      memoryBytes: 24 * 2 ** 30,
    },
    image: { hash: 'f'.repeat(64), node: 'v18.20.4', kernel: '6.1.0-cloud-amd64', buildSeconds: 141 },
    environments: Object.fromEntries(
      envs.filter(isVm).map((env) => [env, { accelerator: o.accelerator ?? 'tcg', acceleratorReason: 'no /dev/kvm' }]),
    ),
    formulas: { guest: 'guest /proc/stat', cgroup: 'cgroup files' },
    views: viewsOf(envs),
  });
  const runsOut = new NdjsonWriter(path.join(dir, FILES.runs));
  const samplesOut = new SamplesWriter(path.join(dir, FILES.samples));
  let index = 0;
  let nSamples = 0;
  for (let rep = 0; rep < reps; rep++) {
    for (const n of instances) {
      for (const [wi, wl] of suite.entries())
        for (const env of envs) {
          const named = suite.length > 1 ? `${wl.id}-` : '';
          const run = `${String(++index).padStart(3, '0')}-${named}${env}-x${n}-r${rep + 1}`;
          const failed = o.failed?.includes(run) ?? false;
          const factor = o.slowdown?.[`${wl.id}/${env}`] ?? o.slowdown?.[env] ?? 1;
          // the workloads of a suite differ in length and in how much each environment costs them
          const speedW = 1 + ((speed[env] ?? 1.2) - 1) * (wi + 1);
          const jitter = o.noiseSeed === undefined ? 1 : 1 + 0.06 * (rand() - 0.5);
          const makespan =
            duration * (1 + 0.5 * wi) * speedW * (1 + 0.1 * (n - 1)) * (1 + 0.02 * rep) * factor * jitter;
          const workers: WorkerRecord[] = Array.from({ length: n }, (_, w) => ({
            worker: `${env}-${w}`,
            allocCpus: 1,
            memoryBytes: 2 ** 30,
            cpuset: null,
            bootS: isVm(env) ? 25 + n + rep : null,
            readyS: isVm(env) ? 26 + n : 0.3,
            endS: makespan,
            exitCode: failed ? 137 : 0,
            reason: failed ? 'OOMKilled (memory limit 1073741824 bytes)' : null,
            checksum: failed ? null : '0f1499e252e33a58',
            metrics: failed ? ({} as Record<string, number>) : { opsPerSecond: (469349 * 300) / makespan },
            peakRssBytes: 1.2e8,
            phasesMs: { generate: 500, load: 100, build: 30, iterate: makespan * 800, result: 10 },
            node: 'v18.20.4',
            stderrTail: '',
          }));
          const phases = workers.flatMap((w) =>
            ['generate', 'load', 'build', 'iterate', 'result'].map((phase, i) => ({
              worker: w.worker,
              phase,
              state: 'begin' as const,
              t: makespan * [0, 0.2, 0.3, 0.35, 0.98][i]!,
            })),
          );
          const record: RunRecord = {
            run,
            workload: wl.id,
            index: index - 1,
            env,
            instances: n,
            repetition: rep,
            warmup: false,
            status: failed ? 'failed' : 'ok',
            reason: failed ? `${env}-0: OOMKilled (memory limit 1073741824 bytes)` : null,
            workKey: 'k',
            checksum: failed ? null : '0f1499e252e33a58',
            barrierAt: '2026-01-01T00:00:00.000Z',
            provisionS: isVm(env) ? 27 : 0.4,
            makespanS: failed ? null : makespan,
            workers,
            phases,
          };
          runsOut.write([record]);
          const rows: SampleRecord[] = [];
          const source = viewOf(env).workerSource;
          for (let t = -1; t <= makespan + 1; t += interval) {
            const busy = t >= 0 && t <= makespan;
            const io = t > 0.1 * makespan && t < 0.3 * makespan;
            for (const w of workers) {
              const user = busy ? (io ? 40 : 92) - (isVm(env) ? 5 : 0) : 1;
              const g = o.samplerGap;
              const inGap = g?.run === run && w.worker === workers[0]!.worker;
              if (inGap && t > g.fromS && t < g.toS) continue;
              const gapS = inGap && t >= g.toS && t - interval < g.toS ? round3(t - g.fromS) : null;
              rows.push({
                run,
                workload: wl.id,
                env,
                instances: n,
                repetition: rep,
                worker: w.worker,
                source,
                t,
                user,
                system: busy ? 5 : 0.5,
                iowait: source === 'guest' ? (io ? 30 : 0.5) : null,
                steal: source === 'guest' ? (busy ? 2 : 0) : null,
                idle: null,
                cores: user / 100,
                allocCpus: 1,
                memUsedBytes: 2e8 + (busy ? t * 1e6 : 0),
                memCachedBytes: source === 'guest' ? 1e8 : null,
                memLimitBytes: 2 ** 30,
                gapS,
              });
              // the Docker stats API beside the cgroup files: a frame a second, reading 1.5 points higher
              if (source === 'cgroup' && Math.abs(t - Math.round(t)) < interval / 2) {
                rows.push({ ...rows[rows.length - 1]!, source: 'docker-stats', user: user + 1.5, gapS: null });
              }
            }
            rows.push({
              run,
              workload: wl.id,
              env,
              instances: n,
              repetition: rep,
              worker: 'host',
              source: 'host',
              t,
              user: busy ? 45 * n : 1,
              system: busy ? 6 : 1,
              iowait: io ? 12 : 0.2,
              steal: 0,
              idle: 40,
              cores: 0.9 * n,
              allocCpus: 2,
              memUsedBytes: 3e9,
              memCachedBytes: 1e9,
              memLimitBytes: 24 * 2 ** 30,
            });
          }
          samplesOut.write(rows);
          nSamples += rows.length;
        }
    }
  }
  runsOut.close();
  samplesOut.close();
  return { runs: index, samples: nSamples };
}
