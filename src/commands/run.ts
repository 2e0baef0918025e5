import type { Command } from 'commander';
import { ExperimentSchema, flagNamer, loadExperiment } from '../compose/config.js';
import { addBackendOptions, backendFlagPaths, backendOverrides } from '../compose/flags.js';
import { preflight } from '../compose/preflight.js';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../compose/registry.js';
import { UsageError } from '../util/errors.js';
import { listWorkloads } from '../workload/manifest.js';
import { listSuites } from '../workload/suite.js';
import { describeCommand } from './descriptions.js';
import { EXIT, exitCodeOf, interruptible } from './interrupts.js';
import { intList, number } from './parse.js';
import { defaultReportDir } from './report.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function param(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param: expected name=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

interface RunFlags {
  config?: string;
  env?: string;
  instances?: number[];
  repetitions?: number;
  warmup?: number;
  targetCi?: number;
  targetMde?: number;
  maxRepetitions?: number;
  preset?: string;
  workload?: string;
  suite?: string;
  workloadDir?: string[];
  param?: Record<string, string>;
  cpus?: number;
  memory?: number;
  interval?: number;
  settle?: number;
  name?: string;
  output?: string;
  seed?: number;
  pin?: boolean;
  network?: string;
  place?: string;
  report?: boolean;
  canary?: boolean;
  /** the environments' own flags (descriptor.flags), by commander's camelCase name */
  [backendFlag: string]: unknown;
}

/** Which config field each flag sets: a bad value's error names the flag. */
export const RUN_FLAG_PATHS: [string, string][] = [
  ['--name', 'name'],
  ['--env', 'environments'],
  ['--instances', 'instances'],
  ['--repetitions', 'repetitions'],
  ['--warmup', 'warmup'],
  ['--target-ci', 'adaptive.targetCiPct'],
  ['--target-mde', 'adaptive.targetMdePct'],
  ['--max-repetitions', 'adaptive.maxRepetitions'],
  ['--seed', 'seed'],
  ['--workload', 'workloads'],
  ['--suite', 'suite'],
  ['--preset', 'preset'],
  ['--network', 'network'],
  ['--place', 'placement'],
  ['--param', 'params'],
  ['--workload-dir', 'workloadDirs'],
  ['--cpus', 'worker.cpus'],
  ['--memory', 'worker.memoryMiB'],
  ['--pin', 'worker.pinCpus'],
  ['--interval', 'sampling.intervalMs'],
  ['--settle', 'sampling.settleMs'],
  ['--output', 'output.dir'],
];

/** `client=host,scheduler=environment` as a placement; the schema checks names and places. Pure. */
export function placementFlag(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim())) {
    const eq = part.indexOf('=');
    out[eq < 0 ? part : part.slice(0, eq).trim()] = eq < 0 ? '' : part.slice(eq + 1).trim();
  }
  return out;
}

/** Flags as a partial config, so the file and the flags are validated together. */
export function flagsToOverrides(f: RunFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const sub = (key: string, v: Record<string, unknown>) => {
    o[key] = { ...((o[key] as object) ?? {}), ...v };
  };
  if (f.name !== undefined) o.name = f.name;
  if (f.env !== undefined) o.environments = f.env.split(',').map((s) => s.trim());
  if (f.instances !== undefined) o.instances = f.instances;
  if (f.repetitions !== undefined) o.repetitions = f.repetitions;
  if (f.warmup !== undefined) o.warmup = f.warmup;
  if (f.targetCi !== undefined) sub('adaptive', { targetCiPct: f.targetCi });
  if (f.targetMde !== undefined) sub('adaptive', { targetMdePct: f.targetMde });
  if (f.maxRepetitions !== undefined) sub('adaptive', { maxRepetitions: f.maxRepetitions });
  if (f.seed !== undefined) o.seed = f.seed;
  if (f.canary === false) o.canary = false;
  // a workload list or a suite on the command line replaces whichever form the file used
  if (f.workload !== undefined || f.suite !== undefined) {
    o.workload = null;
    o.workloads = null;
    o.suite = null;
  }
  if (f.workload !== undefined)
    o.workloads = f.workload
      .split(',')
      .map((s) => s.trim())
      .map((name) => ({ name }));
  if (f.suite !== undefined) o.suite = f.suite;
  if (f.preset !== undefined) o.preset = f.preset;
  if (f.network !== undefined) o.network = f.network;
  if (f.place !== undefined) o.placement = placementFlag(f.place);
  if (f.param !== undefined) o.params = f.param;
  if (f.workloadDir !== undefined) o.workloadDirs = f.workloadDir;
  if (f.cpus !== undefined) sub('worker', { cpus: f.cpus });
  if (f.memory !== undefined) sub('worker', { memoryMiB: f.memory });
  if (f.pin !== undefined) sub('worker', { pinCpus: f.pin });
  if (f.interval !== undefined) sub('sampling', { intervalMs: f.interval });
  if (f.settle !== undefined) sub('sampling', { settleMs: f.settle });
  if (f.output !== undefined) sub('output', { dir: f.output });
  for (const [name, section] of Object.entries(backendOverrides(f, 'run')))
    sub(name, section as Record<string, unknown>);
  return o;
}

/** The defaults of the config schema, shown in --help (flags left out keep the config file's values). */
function defaultsText() {
  const d = ExperimentSchema.parse({});
  const list = (xs: readonly unknown[]) => xs.join(',');
  return {
    env: `(default: ${list(d.environments)})`,
    instances: `(default: ${list(d.instances)})`,
    repetitions: `(default: ${d.repetitions})`,
    warmup: `(default: ${d.warmup})`,
    cpus: `(default: ${d.worker.cpus})`,
    memory: `(default: ${d.worker.memoryMiB})`,
    interval: `(default: ${d.sampling.intervalMs})`,
    settle: `(default: ${d.sampling.settleMs})`,
    seed: `(default: ${d.seed})`,
    name: `(default: ${d.name})`,
  };
}

export function runCommand(program: Command): void {
  const def = defaultsText();
  const run = program
    .command('run')
    .description(describeCommand('run'))
    .option('-c, --config <file>', 'experiment config (JSON or YAML); flags override it')
    .option('--env <list>', `environments, comma-separated: ${ENVIRONMENT_NAMES.join(',')} ${def.env}`)
    .option('--instances <list>', `workers per run, comma-separated ${def.instances}`, intList('--instances'))
    .option('--repetitions <n>', `measured runs per cell ${def.repetitions}`, number('--repetitions'))
    .option('--warmup <n>', `warm-up runs per cell, excluded from statistics ${def.warmup}`, number('--warmup'))
    .option(
      '--target-ci <pct>',
      'adaptive repetitions: more rounds until the 95% interval of each mean makespan is within ± pct % of it',
      number('--target-ci', false),
    )
    .option(
      '--target-mde <pct>',
      'adaptive repetitions: more rounds until a change of pct % in each mean makespan would be detected (80% power, 5% two-sided)',
      number('--target-mde', false),
    )
    .option(
      '--max-repetitions <n>',
      'adaptive repetitions: measured runs per cell at most (default 10)',
      number('--max-repetitions'),
    )
    .option('--workload <list>', `workloads, comma-separated: ${listWorkloads().join(',')}`)
    .option(
      '--suite <name>',
      `a suite of workloads: ${listSuites().join(', ')}, or a suite file (default: the default suite)`,
    )
    .option('--workload-dir <dir>', 'also look for workloads in this folder (repeatable)', collect)
    .option('--preset <name>', "preset for every workload (tiny, small, paper, …) (default: each suite entry's own)")
    .option(
      '--param <name=value>',
      'workload parameter, repeatable: name=value for every workload declaring it, workload.name=value for one',
      param,
    )
    .option(
      '--cpus <n>',
      `CPUs per worker: container --cpus, VM vCPUs, workload threads ${def.cpus}`,
      number('--cpus', false),
    )
    .option(
      '--network <mode>',
      "every workload's network: none, bridge (a private segment per run) or host (default: each workload's own)",
    )
    .option(
      '--place <role=where,...>',
      "where roles run, for every workload with such a role: environment, or host (a native process on the run's segment), e.g. client=host",
    )
    .option('--memory <MiB>', `memory per worker in MiB ${def.memory}`, number('--memory'))
    .option('--pin', 'pin each worker to its own host CPUs')
    .option('--interval <ms>', `sampling interval in ms ${def.interval}`, number('--interval'))
    .option(
      '--settle <ms>',
      `idle sampling before the barrier and after the last worker ends, per run ${def.settle}`,
      number('--settle'),
    )
    .option('--seed <n>', `seed of the run order ${def.seed}`, number('--seed'))
    .option('--name <name>', `experiment name ${def.name}`)
    .option('-o, --output <dir>', 'parent folder of result directories (default results)')
    .option('--no-report', 'do not render the report at the end')
    .option('--no-canary', 'no drift canary before each block of runs (it costs about 0.3 s a block)');
  addBackendOptions(run, 'run');
  run.action(async (flags: RunFlags) => {
    const overrides = flagsToOverrides(flags);
    const paths = [...RUN_FLAG_PATHS, ...backendFlagPaths('run')];
    const experiment = loadExperiment(flags.config, overrides, paths);
    const named = flagNamer({ overrides, paths });
    const log = (m: string) => process.stderr.write(`${m}\n`);
    preflight(experiment, log, (path, fallback) => named(path) ?? fallback);
    // what running needs, loaded once the config is known to be good
    const [{ writeReport }, { runExperiment }, { pageOf }, { withResults }] = await Promise.all([
      import('../export/index.js'),
      import('../orchestrator/experiment.js'),
      import('../report/build.js'),
      import('../results/read.js'),
    ]);
    const { outcome, received } = await interruptible(
      log,
      'stopping, tearing down and keeping what was sampled',
      (signal) => runExperiment(experiment, { log, signal, descriptors: ENVIRONMENTS }),
    );
    // interrupted before the first run (image build, engine checks): nothing to keep
    if (!outcome) {
      process.exitCode = exitCodeOf(received!);
      return;
    }
    const failed = outcome.runs.filter((r) => r.status !== 'ok');
    if (flags.report !== false) {
      try {
        const report = await withResults(outcome.dir, async (rs) =>
          writeReport(await pageOf(rs), defaultReportDir(outcome.dir)),
        );
        log(`report: ${report.html}`);
      } catch (err) {
        log(
          `report: could not be written (${(err as Error).message}); the results are intact, retry with versus report ${outcome.dir}`,
        );
      }
    }
    process.stdout.write(`${outcome.dir}\n`);
    if (outcome.interrupted) process.exitCode = exitCodeOf(received ?? 'SIGINT');
    else if (failed.length > 0) {
      log(`${failed.length} run(s) failed; see runs.ndjson`);
      process.exitCode = EXIT.failed;
    }
  });
}
