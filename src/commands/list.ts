// Every command of the CLI and the module that defines it. cli.ts loads only the module of
// the command being run (the others are listed for --help by name and description), so
// `versus --version`, `--help` and a refused flag import neither DuckDB, Vega, resvg,
// dockerode nor ssh2.
import type { Command } from 'commander';
import type { CommandName } from './descriptions.js';

export interface CommandModule {
  /** the commands the module defines */
  names: readonly CommandName[];
  load(): Promise<(program: Command) => void>;
}

export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['run'], load: async () => (await import('./run.js')).runCommand },
  { names: ['sweep'], load: async () => (await import('./sweep.js')).sweepCommand },
  { names: ['report'], load: async () => (await import('./report.js')).reportCommand },
  { names: ['compare'], load: async () => (await import('./compare.js')).compareCommand },
  { names: ['query', 'compact'], load: async () => (await import('./query.js')).queryCommand },
  { names: ['history'], load: async () => (await import('./history.js')).historyCommand },
  { names: ['image'], load: async () => (await import('./image.js')).imageCommand },
  { names: ['doctor'], load: async () => (await import('./doctor.js')).doctorCommand },
  { names: ['clean'], load: async () => (await import('./clean.js')).cleanCommand },
  { names: ['schema'], load: async () => (await import('./schema.js')).schemaCommand },
];
