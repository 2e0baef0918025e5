// How many points a statistic needs before the report shows it as a result: below these,
// a cell says how few there were instead of printing a number that looks like a finding. Pure.

/** Runs (or workers' values) a 95% interval needs: with fewer, an interval says little (a t interval of 2 runs spans ±12.7 sd). */
export const MIN_FOR_INTERVAL = 3;
/** Docker stats frames a sampler cross-check needs: with fewer, a difference is noise of a frame or two. */
export const MIN_FRAMES = 5;

/** An interval's table cell: `lo – hi`, or what was too few. */
export function intervalCell(lo: number, hi: number, n: number, fmt: (x: number) => string): string {
  return n >= MIN_FOR_INTERVAL ? `${fmt(lo)} – ${fmt(hi)}` : tooFew(n, 'runs');
}

/** The cell of a statistic left out: `n = 2 runs: too few`. */
export function tooFew(n: number, what: string): string {
  return `${n} ${what}: too few`;
}
