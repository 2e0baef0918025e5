#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { DESCRIPTIONS } from './commands/descriptions.js';
import { EXIT } from './commands/interrupts.js';
import { COMMAND_MODULES } from './commands/list.js';
import { UsageError } from './util/errors.js';

const program = new Command()
  .name('versus')
  .description('The same workloads in VMs, containers and natively, with CPU and memory sampled on every worker.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

// Only the module of the command being run is loaded; the others are listed by name and
// description (top-level --help), so start-up costs what that command needs.
const args = process.argv.slice(2);
const wanted = args[0] === 'help' ? args[1] : args.find((a) => !a.startsWith('-'));
// a mistyped flag of `run` is refused before its module (the config schema, every backend) loads
if (wanted === 'run' && args[0] === 'run') {
  const { RUN_OPTIONS, unknownOption } = await import('./commands/runFlags.js');
  let bad = unknownOption(args.slice(1));
  if (bad) {
    // perhaps a backend's own option: their descriptors say
    const { backendOptionNames } = await import('./compose/flags.js');
    bad = unknownOption(args.slice(1), [...RUN_OPTIONS, ...backendOptionNames('run')]);
  }
  if (bad) {
    process.stderr.write(`error: unknown option '${bad}'\n(versus run --help lists the options)\n`);
    process.exit(EXIT.usage);
  }
}
for (const m of COMMAND_MODULES) {
  if (wanted && (m.names as readonly string[]).includes(wanted)) (await m.load())(program);
  else for (const name of m.names) program.command(name).description(DESCRIPTIONS[name]);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error & { code?: string; exitCode?: number };
  if (e.code?.startsWith('commander.')) {
    // commander has printed its message already
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
  } else if (err instanceof UsageError || err instanceof InvalidArgumentError) {
    process.stderr.write(`versus: ${e.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`versus: ${e.message}\n`);
    if (process.env.VERSUS_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exitCode = EXIT.failed;
  }
}

// dockerode's keep-alive sockets can hold the event loop open after all work is
// done (containers are already removed by then); leave explicitly.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
