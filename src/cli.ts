#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { cleanCommand } from './commands/clean.js';
import { compareCommand } from './commands/compare.js';
import { doctorCommand } from './commands/doctor.js';
import { historyCommand } from './commands/history.js';
import { imageCommand } from './commands/image.js';
import { queryCommand } from './commands/query.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { UsageError } from './util/errors.js';

const program = new Command()
  .name('versus')
  .description('The same workloads in VMs, containers and natively, with CPU and memory sampled on every worker.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

runCommand(program);
reportCommand(program);
compareCommand(program);
queryCommand(program);
historyCommand(program);
imageCommand(program);
doctorCommand(program);
cleanCommand(program);
schemaCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error & { code?: string; exitCode?: number };
  if (e.code?.startsWith('commander.')) {
    // commander has printed its message already
    process.exitCode = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
  } else if (err instanceof UsageError || err instanceof InvalidArgumentError) {
    process.stderr.write(`versus: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`versus: ${e.message}\n`);
    if (process.env.VERSUS_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
}

// dockerode's keep-alive sockets can hold the event loop open after all work is
// done (containers are already removed by then); leave explicitly.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
