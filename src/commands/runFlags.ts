// The core options of `versus run`, by name only, so that cli.ts can refuse an unknown one
// without importing what the command needs (the config schema, every backend): a mistyped
// flag is answered as fast as --help. Backends' own options come from their descriptors
// (compose/flags.ts), read only when an option is not among these. A unit test holds the two
// to the options the run command really registers. Pure.

/** Every core option of `versus run` and whether it takes a value. */
export const RUN_OPTIONS: readonly { names: readonly string[]; value: boolean }[] = [
  { names: ['-c', '--config'], value: true },
  { names: ['--env'], value: true },
  { names: ['--instances'], value: true },
  { names: ['--repetitions'], value: true },
  { names: ['--warmup'], value: true },
  { names: ['--target-ci'], value: true },
  { names: ['--target-mde'], value: true },
  { names: ['--max-repetitions'], value: true },
  { names: ['--workload'], value: true },
  { names: ['--suite'], value: true },
  { names: ['--workload-dir'], value: true },
  { names: ['--preset'], value: true },
  { names: ['--param'], value: true },
  { names: ['--cpus'], value: true },
  { names: ['--network'], value: true },
  { names: ['--place'], value: true },
  { names: ['--memory'], value: true },
  { names: ['--pin'], value: false },
  { names: ['--interval'], value: true },
  { names: ['--settle'], value: true },
  { names: ['--seed'], value: true },
  { names: ['--name'], value: true },
  { names: ['-o', '--output'], value: true },
  { names: ['--no-report'], value: false },
  { names: ['--no-canary'], value: false },
  { names: ['-h', '--help'], value: false },
];

/**
 * The first option in `args` (what follows `run`) that `options` does not know, or null.
 * As commander reads them: `--name=value`, a value in the next argument (even one starting
 * with a dash), `-ovalue`, and nothing after `--`.
 */
export function unknownOption(args: readonly string[], options = RUN_OPTIONS): string | null {
  const byName = new Map(options.flatMap((o) => o.names.map((n) => [n, o.value] as const)));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return null;
    if (!arg.startsWith('-') || arg === '-') continue;
    const name = arg.startsWith('--') ? arg.split('=')[0]! : arg.slice(0, 2);
    const value = byName.get(name);
    if (value === undefined) return name;
    const inline = arg.startsWith('--') ? arg.includes('=') : arg.length > 2;
    if (value && !inline) i++;
  }
  return null;
}
