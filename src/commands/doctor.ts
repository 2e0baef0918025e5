import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadExperiment, validateExperiment } from '../compose/config.js';
import { addBackendOptions, backendOverrides } from '../compose/flags.js';
import { ENVIRONMENTS } from '../compose/registry.js';
import type { DoctorCheck } from '../environments/descriptor.js';
import { formatFitness, hostFitness } from '../hosts/fitnessRun.js';
import { openHost } from '../hosts/remote.js';
import { resetHost, tuneHost } from '../hosts/tune.js';
import { cacheDir, imageDir, readManifest } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';
import { workerCpusOf } from '../orchestrator/plan.js';
import { UsageError } from '../util/errors.js';
import { which } from '../util/exec.js';
import { describeCommand } from './descriptions.js';
import { EXIT } from './interrupts.js';

/** Every backend's own checks (from the registry), then the tools and the worker image. */
export async function doctorChecks(
  opts: { overrides?: Record<string, unknown>; reprobe?: boolean } = {},
): Promise<(DoctorCheck & { asked?: boolean })[]> {
  const checks: (DoctorCheck & { asked?: boolean })[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add('root', process.getuid?.() === 0, process.getuid?.() === 0 ? 'yes' : 'image build and native chroot need root');
  const experiment = validateExperiment(opts.overrides ?? {}, 'flags');
  const image = readManifest(imageDir(imageHash()));
  for (const d of ENVIRONMENTS) {
    if (!d.doctor) continue;
    // a backend named by its own option (--qemu) was asked about: its misses fail the command
    const asked = opts.overrides?.[d.name] !== undefined;
    for (const c of await d.doctor({ experiment, image, log: () => {}, reprobe: opts.reprobe ?? false }))
      checks.push(asked ? { ...c, asked } : c);
  }
  for (const [tool, pkg] of [
    ['debootstrap', 'debootstrap'],
    ['mkfs.ext4', 'e2fsprogs'],
    ['qemu-img', 'qemu-utils'],
    ['ssh-keygen', 'openssh-client'],
    ['chromium', 'chromium'],
  ] as const) {
    const p = await which(tool);
    add(tool, p !== null, p ?? `missing: apt-get install ${pkg}`);
  }
  add(
    'worker image',
    image !== null,
    image
      ? `${image.hash.slice(0, 16)} node ${image.nodeVersion}, built in ${image.buildSeconds.toFixed(0)} s`
      : 'not built yet: versus image build (versus run builds it too)',
  );
  return checks;
}

/** Per host of the config: reachable (facts, clock), then each environment it offers checked there. */
export async function hostChecks(file: string | undefined): Promise<{ host: string; checks: DoctorCheck[] }[]> {
  const experiment = loadExperiment(file, {});
  if (!experiment.hosts.length) throw new UsageError(`doctor --hosts: ${file ?? 'no --config'} lists no hosts`);
  const ctx = { experiment, image: readManifest(imageDir(imageHash())), log: () => {} };
  const out = [];
  for (const config of experiment.hosts) {
    const host = await openHost(config).catch((err: Error) => err);
    if (host instanceof Error) {
      out.push({ host: config.name, checks: [{ name: 'ssh', ok: false, detail: host.message }] });
      continue;
    }
    const checks: DoctorCheck[] = [
      {
        name: 'ssh',
        ok: true,
        detail: `${host.cpus} CPUs, kernel ${host.kernel}, clock ${host.clock.offsetMs >= 0 ? '+' : ''}${host.clock.offsetMs.toFixed(1)} ms (±${(host.clock.rttMs / 2).toFixed(1)})`,
      },
    ];
    try {
      for (const d of ENVIRONMENTS)
        if (d.doctorOnHost && config.environments.includes(d.name))
          for (const c of await d.doctorOnHost(ctx, host)) checks.push({ ...c, name: `${d.name}: ${c.name}` });
    } finally {
      host.close();
    }
    out.push({ host: config.name, checks });
  }
  return out;
}

const line = (c: DoctorCheck, w: number) =>
  `${c.ok ? (c.warn ? 'warn' : 'ok  ') : 'MISS'}  ${c.name.padEnd(w)}  ${c.detail}\n`;

export function doctorCommand(program: Command): void {
  const doctor = program
    .command('doctor')
    .description(describeCommand('doctor'))
    .option('--reprobe', 'boot the KVM probe guest again instead of using the cached verdict')
    .option(
      '--hosts',
      "check the config's remote hosts instead: reachable, and what each environment they offer needs there",
    )
    .option('--config <file>', 'the experiment config that lists the hosts')
    .option(
      '--tune',
      'as root: set the reversible host settings for benchmarking (governor, boost, THP), saving what they were',
    )
    .option('--tune-reset', 'put back every setting --tune changed');
  addBackendOptions(doctor, 'doctor').action(
    async (
      opts: { reprobe?: boolean; hosts?: boolean; config?: string; tune?: boolean; tuneReset?: boolean } & Record<
        string,
        unknown
      >,
    ) => {
      if (opts.tune || opts.tuneReset) return tuneCommand(opts.tuneReset ? 'reset' : 'tune');
      if (opts.hosts) {
        const perHost = await hostChecks(opts.config);
        const w = Math.max(...perHost.flatMap((h) => h.checks.map((c) => c.name.length)));
        for (const h of perHost) {
          process.stdout.write(`host ${h.host}\n`);
          for (const c of h.checks) process.stdout.write(`  ${line(c, w)}`);
        }
        // a config's hosts must have what it asks of them: a miss fails (CI can gate on it)
        if (perHost.some((h) => h.checks.some((c) => !c.ok))) process.exitCode = EXIT.failed;
        return;
      }
      const checks = await doctorChecks({ overrides: backendOverrides(opts, 'doctor'), reprobe: opts.reprobe });
      const w = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks) process.stdout.write(line(c, w));
      process.stdout.write('\nhost fitness (is this host fit to measure on?)\n');
      const experiment = validateExperiment(backendOverrides(opts, 'doctor'), 'flags');
      for (const l of formatFitness(await hostFitness(experiment, workerCpusOf(experiment, os.availableParallelism()))))
        process.stdout.write(`  ${l}\n`);
      if (checks.some((c) => c.asked && !c.ok)) process.exitCode = EXIT.failed;
    },
  );
}

/** --tune / --tune-reset: what changed, what refused; exit 1 when a write was refused. */
function tuneCommand(what: 'tune' | 'reset'): void {
  if (process.getuid?.() !== 0) throw new UsageError(`doctor --${what === 'tune' ? 'tune' : 'tune-reset'}: needs root`);
  const state = path.join(cacheDir(), 'tune.json');
  const out = what === 'tune' ? tuneHost('/', state) : resetHost('/', state);
  for (const c of out.changed) process.stdout.write(`${c.file}: ${c.before} -> ${c.after}\n`);
  for (const r of out.refused) process.stdout.write(`refused ${r}\n`);
  if (!out.changed.length && !out.refused.length)
    process.stdout.write(
      what === 'tune' ? 'nothing to change: every tunable file is as wanted or absent\n' : 'nothing to put back\n',
    );
  else if (what === 'tune')
    process.stdout.write(`saved the previous values in ${state}: versus doctor --tune-reset puts them back\n`);
  if (out.refused.length) process.exitCode = EXIT.failed;
}
