// The overhead ratios of a section: each pair's ratio paired by repetition block (the
// estimate the report shows first) beside the unpaired ratio of means, each with its 95%
// interval and the smallest change a like experiment could detect. Pure.
import type { RatioRow } from './aggregate.js';
import { intervalCell } from './enough.js';
import type { Table } from './html.js';
import type { RatioPoint } from './specs.js';

export const PAIRED_LABEL = 'paired by block (geometric mean)';
export const UNPAIRED_LABEL = 'unpaired (ratio of means)';

export function ratioPoints(rows: readonly RatioRow[]): RatioPoint[] {
  return rows.flatMap((r) => [
    ...(r.paired
      ? [
          {
            pair: r.pair,
            instances: r.instances,
            estimate: PAIRED_LABEL,
            ratio: r.paired.ratio,
            lo: r.paired.ci95[0],
            hi: r.paired.ci95[1],
          },
        ]
      : []),
    { pair: r.pair, instances: r.instances, estimate: UNPAIRED_LABEL, ratio: r.ratio, lo: r.lo, hi: r.hi },
  ]);
}

/** "18%" for an MDE, "–" without one. */
export function mdeCell(mde: number | null | undefined): string {
  return mde === null || mde === undefined || !Number.isFinite(mde)
    ? '–'
    : `${(100 * mde).toFixed(mde < 0.1 ? 1 : 0)}%`;
}

const ratio = (x: number) => x.toFixed(3);

export function ratiosTable(rows: readonly RatioRow[], runsPerCell: (pair: RatioRow) => number): Table {
  return {
    title: 'Overhead ratios: paired by block and unpaired',
    columns: [
      'pair',
      'instances',
      'paired ratio',
      '95% CI',
      'blocks',
      'detectable change',
      'unpaired ratio',
      '95% CI',
      'detectable change',
      'broken pairs',
    ],
    rows: rows.map((r) => [
      r.pair,
      r.instances,
      r.paired ? ratio(r.paired.ratio) : '–',
      r.paired ? intervalCell(r.paired.ci95[0], r.paired.ci95[1], r.paired.blocks, ratio) : '–',
      r.paired?.blocks ?? 0,
      mdeCell(r.paired?.mde),
      ratio(r.ratio),
      intervalCell(r.lo, r.hi, runsPerCell(r), ratio),
      mdeCell(r.mde),
      r.paired?.broken.length ? r.paired.broken.join('; ') : '–',
    ]),
  };
}
