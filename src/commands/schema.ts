import type { Command } from 'commander';
import { experimentJsonSchema } from '../compose/config.js';
import { describeCommand } from './descriptions.js';

export function schemaCommand(program: Command): void {
  program
    .command('schema')
    .description(describeCommand('schema'))
    .action(() => {
      process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
    });
}
