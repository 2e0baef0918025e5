import type { Command } from 'commander';
import { flagNamer, loadExperiment } from '../compose/config.js';
import { checkWorkerLimits, preflight } from '../compose/preflight.js';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../compose/registry.js';
import { PAPER_BOOT_STEPS } from '../config/schema.js';
import { UsageError } from '../util/errors.js';
import { describeCommand } from './descriptions.js';
import { EXIT, exitCodeOf, interruptible } from './interrupts.js';
import { intList, number } from './parse.js';
import { defaultReportDir } from './report.js';

interface SweepFlags {
  config?: string;
  env?: string;
  instances?: number[];
  memoryFloor?: number;
  interval?: number;
  memory?: number;
  cpus?: number;
  name?: string;
  output?: string;
  report?: boolean;
}

const SWEEP_FLAG_PATHS: [string, string][] = [
  ['--env', 'environments'],
  ['--instances', 'sweep.instances'],
  ['--memory-floor', 'sweep.memoryFloorMiB'],
  ['--interval', 'sweep.intervalMs'],
  ['--memory', 'worker.memoryMiB'],
  ['--cpus', 'worker.cpus'],
  ['--name', 'name'],
  ['--output', 'output.dir'],
];

/** Flags as a partial config. Pure. */
export function sweepOverrides(f: SweepFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const sweep: Record<string, unknown> = {};
  if (f.env !== undefined) o.environments = f.env.split(',').map((s) => s.trim());
  if (f.instances !== undefined) sweep.instances = f.instances;
  if (f.memoryFloor !== undefined) sweep.memoryFloorMiB = f.memoryFloor;
  if (f.interval !== undefined) sweep.intervalMs = f.interval;
  if (Object.keys(sweep).length) o.sweep = sweep;
  const worker: Record<string, unknown> = {};
  if (f.memory !== undefined) worker.memoryMiB = f.memory;
  if (f.cpus !== undefined) worker.cpus = f.cpus;
  if (Object.keys(worker).length) o.worker = worker;
  if (f.name !== undefined) o.name = f.name;
  if (f.output !== undefined) o.output = { dir: f.output };
  return o;
}

export function sweepCommand(program: Command): void {
  program
    .command('sweep')
    .description(describeCommand('sweep'))
    .option('-c, --config <file>', 'experiment config (JSON or YAML): its environments, worker and sweep sections')
    .option('--env <list>', `environments, comma-separated: ${ENVIRONMENT_NAMES.join(',')}`)
    .option(
      '--instances <list>',
      `the sweep's points, comma-separated; instances start one after another up to the largest (default: ${PAPER_BOOT_STEPS.join(',')})`,
      intList('--instances'),
    )
    .option(
      '--memory-floor <MiB>',
      "stop once the host's MemAvailable falls below this (default: 2048)",
      number('--memory-floor'),
    )
    .option('--interval <ms>', 'sampling interval of the idle instances (default: 1000)', number('--interval'))
    .option('--memory <MiB>', 'memory per worker in MiB (VM RAM, container limit)', number('--memory'))
    .option('--cpus <n>', 'CPUs per worker', number('--cpus', false))
    .option('--name <name>', 'experiment name (default: default)')
    .option('-o, --output <dir>', 'parent folder of result directories (default results)')
    .option('--no-report', 'do not render the report at the end')
    .action(async (flags: SweepFlags) => {
      const overrides = sweepOverrides(flags);
      const experiment = loadExperiment(flags.config, overrides, SWEEP_FLAG_PATHS);
      const named = flagNamer({ overrides, paths: SWEEP_FLAG_PATHS });
      const log = (m: string) => process.stderr.write(`${m}\n`);
      if (experiment.hosts.length)
        throw new UsageError('hosts: a boot sweep runs on this machine only; remove the hosts section');
      preflight({ ...experiment, instances: [1] }, log, (p, fallback) => named(p) ?? fallback);
      const n = Math.max(...experiment.sweep.instances);
      checkWorkerLimits(experiment, n, named('sweep.instances') ?? `sweep.instances ${n}`, log);
      const [{ runBootSweep }, { writeReport }, { sweepPageOf }] = await Promise.all([
        import('../orchestrator/sweepExperiment.js'),
        import('../export/index.js'),
        import('../report/sweepPage.js'),
      ]);
      const { outcome, received } = await interruptible(
        log,
        'stopping the sweep, tearing down every instance',
        (signal) => runBootSweep(experiment, { log, signal, descriptors: ENVIRONMENTS }),
      );
      if (!outcome) {
        process.exitCode = exitCodeOf(received!);
        return;
      }
      if (flags.report !== false) {
        const report = await writeReport(sweepPageOf(outcome.dir), defaultReportDir(outcome.dir));
        log(`report: ${report.html}`);
      }
      process.stdout.write(`${outcome.dir}\n`);
      // an environment where not one instance came up is broken, not measured: the sweep fails
      const none = Object.entries(outcome.ends).filter(([, end]) => end.reached === 0);
      if (outcome.interrupted) process.exitCode = exitCodeOf(received ?? 'SIGINT');
      else if (none.length) {
        log(`no instance came up in ${none.map(([name]) => name).join(', ')}`);
        process.exitCode = EXIT.failed;
      }
    });
}
