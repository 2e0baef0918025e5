// Every command's one-line description: what --help lists before a command's module is
// loaded (commands/list.ts), and what the command itself says.
export const DESCRIPTIONS = {
  run: 'run an experiment: every environment x instance count x repetition, results written as they come',
  sweep:
    "boot sweep (the paper's Fig. 3 and 4): per environment, instances started one after another up to 512, time to ready and host memory after each",
  report: 'render a results directory as one offline HTML page plus Vega-Lite specs, SVG and PNG figures',
  compare: 'compare two result sets: change per metric with a 95% interval and a verdict; exit 1 on a regression',
  query:
    'run SQL over a results directory: tables samples, worker_view, runs, workers and experiment (DuckDB over Parquet)',
  compact: 'write (or bring up to date) the Parquet files of a results directory: samples, runs, workers',
  history: 'a history of results: add result sets, find change points per series, chart the trends',
  image: 'the worker image: one Debian userland for containers, VMs and the native baseline',
  doctor:
    "what is installed and running: every environment's own checks (engine, qemu and the KVM verdict, vagrant and libvirtd, ...), debootstrap, chromium, the worker image",
  clean: 'remove everything any environment left behind (containers, VMs and overlays, machines, domains)',
  schema: 'print the JSON Schema of the experiment config (for editors)',
} as const;

export type CommandName = keyof typeof DESCRIPTIONS;

/** A command's description. */
export function describeCommand(name: CommandName): string {
  return DESCRIPTIONS[name];
}
