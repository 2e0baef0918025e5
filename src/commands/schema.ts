import type { Command } from 'commander';
import { experimentJsonSchema } from '../compose/config.js';

export function schemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the experiment config (for editors)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
    });
}
