// Overhead ratios paired by block: every repetition runs every environment back to back,
// so the ratio inside a repetition cancels what the host did to the whole block (drift,
// a neighbour, a cold cache). Their geometric mean with an interval over blocks stands
// beside the unpaired ratio of means. Pure.
import { mean, stdev } from '../stats/basic.js';
import { type Interval, pairedRatioInterval, ratioInterval } from '../stats/intervals.js';
import { mdeOfLogDifference, mdeTwoSample } from '../stats/mde.js';

/** A cell's values of one metric with the repetition (block) each came from. */
export interface BlockValues {
  values: readonly number[];
  blocks: readonly number[];
}

export interface BlockPairing {
  /** a/b inside each block both sides measured */
  ratios: number[];
  blocks: number[];
  /** blocks where one side has no value (its run failed), named */
  broken: string[];
}

/** Pairs a's and b's values by block; `names` say which side a missing value is on. */
export function pairByBlock(a: BlockValues, b: BlockValues, names: readonly [string, string]): BlockPairing {
  const index = (s: BlockValues) => new Map(s.blocks.map((block, i) => [block, s.values[i]!]));
  const [ia, ib] = [index(a), index(b)];
  const all = [...new Set([...ia.keys(), ...ib.keys()])].sort((x, y) => x - y);
  const out: BlockPairing = { ratios: [], blocks: [], broken: [] };
  for (const block of all) {
    const [va, vb] = [ia.get(block), ib.get(block)];
    if (va !== undefined && vb !== undefined && vb !== 0) {
      out.ratios.push(va / vb);
      out.blocks.push(block);
    } else out.broken.push(`r${block + 1}: no ${va === undefined ? names[0] : names[1]} value`);
  }
  return out;
}

export interface PairedRatio {
  ratio: number;
  ci95: [number, number];
  blocks: number;
  broken: string[];
  /** the smallest change of this ratio a like experiment would detect; null below 2 blocks */
  mde: number | null;
}

export interface RatioEstimates {
  /** mean(a)/mean(b) over every run, unpaired, with its interval */
  unpaired: Interval;
  unpairedMde: number | null;
  /** the geometric mean of the blocks' ratios; null below 2 pairs */
  paired: PairedRatio | null;
}

/** Both estimates of a's overhead over b. */
export function ratioEstimates(a: BlockValues, b: BlockValues, names: readonly [string, string]): RatioEstimates {
  const unpaired = ratioInterval(a.values, b.values);
  const pairing = pairByBlock(a, b, names);
  return { unpaired, unpairedMde: unpairedMde(a.values, b.values), paired: pairedOf(pairing) };
}

function pairedOf(p: BlockPairing): PairedRatio | null {
  if (p.ratios.length < 2 || !p.ratios.every((r) => r > 0)) return null;
  const i = pairedRatioInterval(p.ratios);
  const sd = stdev(p.ratios.map(Math.log));
  return {
    ratio: i.estimate,
    ci95: [i.lo, i.hi],
    blocks: p.ratios.length,
    broken: p.broken,
    mde: mdeTwoSample(sd, p.ratios.length),
  };
}

/** MDE of an unpaired ratio against a like experiment: the log ratio's standard error, twice over. */
function unpairedMde(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || b.length < 2 || ![...a, ...b].every((x) => x > 0)) return null;
  const v = (xs: readonly number[]) => stdev(xs.map(Math.log)) ** 2 / xs.length;
  const [va, vb] = [v(a), v(b)];
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return va + vb > 0 ? mdeOfLogDifference(Math.sqrt(2 * (va + vb)), 2 * df) : 0;
}

/** Geometric mean of ratios (for tests and tables). */
export const geometricMean = (xs: readonly number[]) => Math.exp(mean(xs.map(Math.log)));
