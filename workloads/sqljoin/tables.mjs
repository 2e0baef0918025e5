// The two HiBench tables as CSV, generated from a seed, and read back with line numbers.
//   rankings:   pageURL,pageRank,avgDuration
//   uservisits: sourceIP,destURL,visitDate,adRevenue,userAgent,countryCode,languageCode,searchWord,duration
import { WorkloadError } from '../lib/errors.mjs';
import { Prng } from '../lib/prng.mjs';
import { forEachLine, LineWriter } from '../lib/textfile.mjs';

const pageUrl = (i) => `/pages/${i}/${(i * 2654435761) >>> 20}.html`;
const ipOf = (i) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
const DAY0 = Date.UTC(1998, 0, 1);
const DAYS = 4 * 365;

export function writeTables(dir, p) {
  const prng = new Prng(p.seed);
  const rankings = new LineWriter(`${dir}/rankings.csv`);
  for (let i = 0; i < p.rankings; i++)
    rankings.line(`${pageUrl(i)},${prng.nextBelow(1000)},${1 + prng.nextBelow(100)}`);
  rankings.close();
  const visits = new LineWriter(`${dir}/uservisits.csv`);
  for (let i = 0; i < p.uservisits; i++) {
    // a few pages get most visits (a skewed join key), some visits miss every page
    const page = Math.floor(p.rankings * prng.nextFloat() ** 2) + (prng.nextBelow(50) === 0 ? p.rankings : 0);
    const date = new Date(DAY0 + prng.nextBelow(DAYS) * 86400000).toISOString().slice(0, 10);
    const cents = prng.nextBelow(100000);
    visits.line(
      `${ipOf(prng.nextBelow(p['source-ips']))},${pageUrl(page)},${date},${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},Mozilla/5.0,DEU,de-DE,word${prng.nextBelow(1000)},${1 + prng.nextBelow(10)}`,
    );
  }
  visits.close();
}

/** A revenue "123.45" as integer cents; a bad field is a WorkloadError naming the line. */
export function centsOf(text, file, lineNo) {
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new WorkloadError(`${file}:${lineNo}: adRevenue ${JSON.stringify(text)} is not a decimal amount`);
  return Number(m[1]) * 100 + (m[2] ? Number(m[2].padEnd(2, '0')) : 0);
}

export function readRankings(file) {
  const rank = new Map();
  forEachLine(file, (line, lineNo) => {
    if (!line) return;
    const f = line.split(',');
    if (f.length !== 3) throw new WorkloadError(`${file}:${lineNo}: ${f.length} fields, rankings has 3`);
    const r = Number(f[1]);
    if (!Number.isInteger(r) || f[1] === '')
      throw new WorkloadError(`${file}:${lineNo}: pageRank ${JSON.stringify(f[1])} is not an integer`);
    rank.set(f[0], r);
  });
  return rank;
}

/** The uservisits columns the query needs, as arrays. */
export function readVisits(file) {
  const ip = [];
  const url = [];
  const date = [];
  const cents = [];
  forEachLine(file, (line, lineNo) => {
    if (!line) return;
    const f = line.split(',');
    if (f.length !== 9) throw new WorkloadError(`${file}:${lineNo}: ${f.length} fields, uservisits has 9`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f[2]))
      throw new WorkloadError(`${file}:${lineNo}: visitDate ${JSON.stringify(f[2])} is not YYYY-MM-DD`);
    ip.push(f[0]);
    url.push(f[1]);
    date.push(f[2]);
    cents.push(centsOf(f[3], file, lineNo));
  });
  return { ip, url, date, cents, n: ip.length };
}
