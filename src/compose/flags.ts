// The options each backend declares for a command (its descriptor's `flags`): added to
// that command, and read back as the backend's section of the config. Nothing outside
// the backends knows which field an option sets.
import type { Command } from 'commander';
import type { FlagCommand } from '../environments/descriptor.js';
import { ENVIRONMENTS } from './registry.js';

/** "--vagrant-provider <name>" → "vagrantProvider", as commander names it. */
export function attributeOf(option: string): string {
  return option
    .split(/\s/)[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const flagsFor = (command: FlagCommand) =>
  ENVIRONMENTS.flatMap((d) =>
    (d.flags ?? []).filter((f) => (f.commands ?? ['run']).includes(command)).map((f) => ({ d, f })),
  );

/** Adds every backend's options for this command. */
export function addBackendOptions(cmd: Command, command: FlagCommand): Command {
  for (const { f } of flagsFor(command)) cmd.option(f.option, f.description);
  return cmd;
}

/** Every backend option of a command by name, and whether it takes a value (as commands/runFlags.ts lists the core ones). */
export function backendOptionNames(command: FlagCommand): { names: string[]; value: boolean }[] {
  return flagsFor(command).map(({ f }) => ({ names: [f.option.split(/\s/)[0]!], value: /[<[]/.test(f.option) }));
}

/** [option, config path] of every backend option of a command, for errors that name the flag. */
export function backendFlagPaths(command: FlagCommand): [string, string][] {
  return flagsFor(command).map(({ d, f }) => [f.option.split(/\s/)[0]!, `${d.name}.${f.field}`]);
}

/** The config sections the given options set: { qemu: { binary: … }, … }. */
export function backendOverrides(opts: Record<string, unknown>, command: FlagCommand): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { d, f } of flagsFor(command)) {
    const value = opts[attributeOf(f.option)];
    if (value !== undefined) out[d.name] = { ...out[d.name], [f.field]: value };
  }
  return out;
}
