// The two HiBench tables as CSV, generated from a seed, and read back with line numbers.
//   rankings:   pageURL,pageRank,avgDuration
//   uservisits: sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,languageCode,searchWord,duration
import { WorkloadError } from '../lib/errors.mjs';
import { GrowableArray } from '../lib/growable.mjs';
import { Prng } from '../lib/prng.mjs';
import { forEachLineBytes, LineWriter } from '../lib/textfile.mjs';
import { buildIndex, TextColumnBuilder } from './columns.mjs';

export const pageUrl = (i) => `/pages/${i}/${(i * 2654435761) >>> 20}.html`;
export const ipOf = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const DAY0 = Date.UTC(1998, 0, 1);
const DAYS = 4 * 365;

export function writeTables(dir, p) {
  const prng = new Prng(p.seed);
  const rankings = new LineWriter(`${dir}/rankings.csv`);
  for (let i = 0; i < p.rankings; i++) rankings.line(rankingLine(i, prng));
  rankings.close();
  const visits = new LineWriter(`${dir}/uservisits.csv`);
  for (let i = 0; i < p.uservisits; i++) visits.line(visitLine(p, prng));
  visits.close();
}

/** Page i's rankings row, its numbers from `prng`. */
export function rankingLine(i, prng) {
  return `${pageUrl(i)},${prng.nextBelow(1000)},${1 + prng.nextBelow(100)}`;
}

/** One uservisits row from `prng`: a few pages get most visits (a skewed join key), some visits miss every page. */
export function visitLine(p, prng) {
  const page = Math.floor(p.rankings * prng.nextFloat() ** 2) + (prng.nextBelow(50) === 0 ? p.rankings : 0);
  const date = new Date(DAY0 + prng.nextBelow(DAYS) * 86400000).toISOString().slice(0, 10);
  const cents = prng.nextBelow(100000);
  return `${ipOf(prng.nextBelow(p['source-ips']))},${pageUrl(page)},${date},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},Mozilla/5.0,DEU,de-DE,word${prng.nextBelow(1000)},${1 + prng.nextBelow(10)}`;
}

const COMMA = 44;
const DASH = 45;
const DOT = 46;
const isDigit = (c) => c >= 48 && c <= 57;

/** Splits buf[start..end) at commas: returns the field count, `at` gets the field bounds. */
function splitFields(buf, start, end, at) {
  let fields = 0;
  let from = start;
  for (let i = start; i < end; i++) {
    if (buf[i] !== COMMA) continue;
    if (fields < at.length / 2) {
      at[2 * fields] = from;
      at[2 * fields + 1] = i;
    }
    fields++;
    from = i + 1;
  }
  if (fields < at.length / 2) {
    at[2 * fields] = from;
    at[2 * fields + 1] = end;
  }
  return fields + 1;
}

/** "YYYY-MM-DD" as the integer YYYYMMDD (ordered as the text is), or -1. */
export function dayAt(buf, from, to) {
  if (to - from !== 10 || buf[from + 4] !== DASH || buf[from + 7] !== DASH) return -1;
  let day = 0;
  for (let i = from; i < to; i++) {
    if (i === from + 4 || i === from + 7) continue;
    if (!isDigit(buf[i])) return -1;
    day = day * 10 + buf[i] - 48;
  }
  return day;
}

/** A revenue "123.45" (1-12 digits, optionally a dot and 1-2 digits) as integer cents, or -1. */
export function centsAt(buf, from, to) {
  let units = 0;
  let i = from;
  while (i < to && isDigit(buf[i]) && i - from < 12) units = units * 10 + buf[i++] - 48;
  if (i === from) return -1;
  if (i === to) return units * 100;
  if (buf[i] !== DOT || to - i < 2 || to - i > 3) return -1;
  let cents = 0;
  for (let k = i + 1; k < i + 3; k++) {
    const c = k < to ? buf[k] : 48; // one digit after the dot: "1.5" is 150 cents
    if (!isDigit(c)) return -1;
    cents = cents * 10 + c - 48;
  }
  return units * 100 + cents;
}

const text = (buf, from, to) => JSON.stringify(buf.toString('latin1', from, to));

/** rankings: the page URLs as a text column with a hash index on them, and their ranks. */
export function readRankings(file) {
  const keys = new TextColumnBuilder('pageURL');
  const rank = new GrowableArray(Int32Array);
  const at = new Int32Array(6);
  forEachLineBytes(file, (buf, start, end, lineNo) => {
    if (end === start) return;
    const fields = splitFields(buf, start, end, at);
    if (fields !== 3) throw new WorkloadError(`${file}:${lineNo}: ${fields} fields, rankings has 3`);
    const r = at[3] > at[2] ? Number(buf.toString('latin1', at[2], at[3])) : Number.NaN;
    if (!Number.isInteger(r) || Math.abs(r) > 0x7fffffff)
      throw new WorkloadError(`${file}:${lineNo}: pageRank ${text(buf, at[2], at[3])} is not an integer`);
    keys.push(buf, at[0], at[1]);
    rank.push(r);
  });
  const url = keys.finish();
  const n = rank.length;
  return { n, url, rank: rank.shared(), index: buildIndex(url, n) };
}

/** The uservisits columns the query needs: source IP and URL as text, the day as YYYYMMDD, revenue in cents. */
export function readVisits(file) {
  const ip = new TextColumnBuilder('sourceIP');
  const url = new TextColumnBuilder('destURL');
  const day = new GrowableArray(Int32Array);
  const cents = new GrowableArray(Float64Array);
  const at = new Int32Array(8);
  forEachLineBytes(file, (buf, start, end, lineNo) => {
    if (end === start) return;
    const fields = splitFields(buf, start, end, at);
    if (fields !== 9) throw new WorkloadError(`${file}:${lineNo}: ${fields} fields, uservisits has 9`);
    const d = dayAt(buf, at[4], at[5]);
    if (d < 0) throw new WorkloadError(`${file}:${lineNo}: visitDate ${text(buf, at[4], at[5])} is not YYYY-MM-DD`);
    const c = centsAt(buf, at[6], at[7]);
    if (c < 0)
      throw new WorkloadError(`${file}:${lineNo}: adRevenue ${text(buf, at[6], at[7])} is not a decimal amount`);
    ip.push(buf, at[0], at[1]);
    url.push(buf, at[2], at[3]);
    day.push(d);
    cents.push(c);
  });
  return { n: day.length, ip: ip.finish(), url: url.finish(), day: day.shared(), cents: cents.shared() };
}
