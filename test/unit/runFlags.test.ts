// The run command's option names, known without loading it: the same as the command
// registers, and read as commander reads them.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/commands/run.js';
import { RUN_OPTIONS, unknownOption } from '../../src/commands/runFlags.js';
import { backendOptionNames } from '../../src/compose/flags.js';

describe('the run command’s flags, known at start-up', () => {
  it('lists, with the backends’ own, exactly the options the run command registers, and which take a value', () => {
    const program = new Command();
    runCommand(program);
    const run = program.commands.find((c) => c.name() === 'run')!;
    const registered = run.options.map((o) => ({
      names: [o.short, o.long].filter((x): x is string => Boolean(x)),
      value: o.required || o.optional,
    }));
    const help = { names: ['-h', '--help'], value: false };
    const key = (o: { names: readonly string[] }) => o.names.join(' ');
    expect([...RUN_OPTIONS, ...backendOptionNames('run')].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...registered, help].sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it('finds the first unknown option as commander would', () => {
    expect(unknownOption(['--env', 'docker', '--instances=1,2', '--pin', '--no-report'])).toBeNull();
    expect(unknownOption(['--bogus'])).toBe('--bogus');
    expect(unknownOption(['--env=docker', '--frobnicate=1'])).toBe('--frobnicate');
    // a value is taken whole, even one that starts with a dash
    expect(unknownOption(['--name', '--bogus'])).toBeNull();
    expect(unknownOption(['-ofolder', '-x'])).toBe('-x');
    expect(unknownOption(['-c', 'exp.yaml', 'extra'])).toBeNull();
    expect(unknownOption(['--', '--bogus'])).toBeNull();
    expect(unknownOption(['--pin', '--bogus'])).toBe('--bogus');
    // a backend's option is not a core one: cli.ts asks the descriptors before refusing it
    expect(unknownOption(['--vagrant-box', 'b'])).toBe('--vagrant-box');
    expect(unknownOption(['--vagrant-box', 'b'], [...RUN_OPTIONS, ...backendOptionNames('run')])).toBeNull();
  });
});
