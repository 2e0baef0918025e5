// The query's two parallel passes, run by ChunkPool threads (or the main thread alone):
//   probe:     per chunk of visits, the date filter and the hash-join probe on rankings;
//              each row's rankings row (or -1) and its source IP's hash land in shared arrays.
//   aggregate: per partition of source-IP hashes, the group-by over that partition's rows.
// Every output depends on the rows alone, never on which thread ran them, and the sums are
// integers, so the result is the same for every thread count.
import { CHUNK_ROWS } from '../lib/chunks.mjs';
import { hashBytes, lookup, slotCount, slotOf } from './columns.mjs';

/** Partitions of the group-by: fixed, so a row's partition never depends on the thread count. */
export const PARTITIONS = 64;
const PARTITION_BITS = 6;

export function chunk(shared, task, index) {
  return task.op === 'probe' ? probe(shared, task, index) : aggregate(shared, index);
}

function probe({ rankings, visits, joined, ipHash }, { from, to }, c) {
  const { day, url, ip } = visits;
  const end = Math.min(visits.n, (c + 1) * CHUNK_ROWS);
  for (let i = c * CHUNK_ROWS; i < end; i++) {
    joined[i] = -1;
    const d = day[i];
    if (d < from || d > to) continue;
    const row = lookup(rankings.index, rankings.url, url, i, hashBytes(url.bytes, url.offsets[i], url.offsets[i + 1]));
    if (row < 0) continue;
    joined[i] = row;
    ipHash[i] = hashBytes(ip.bytes, ip.offsets[i], ip.offsets[i + 1]);
  }
  return null;
}

/** Partition of a hash; the bits above pick the slot inside it. */
export const partitionOf = (hash) => hash & (PARTITIONS - 1);

/** Groups of partition p: a representative row (for the IP's text), revenue, rank sum and count. */
function aggregate({ rankings, visits, joined, ipHash, order, partStart }, p) {
  const rows = partStart[p + 1] - partStart[p];
  const slots = new Int32Array(slotCount(rows)); // a representative row + 1 per IP
  const groupOf = new Int32Array(slots.length);
  const rep = new Int32Array(rows);
  const cents = new Float64Array(rows);
  const rankSum = new Float64Array(rows);
  const count = new Int32Array(rows);
  let groups = 0;
  for (let k = partStart[p]; k < partStart[p + 1]; k++) {
    const i = order[k];
    const s = slotOf(slots, visits.ip, visits.ip, i, ipHash[i] >>> PARTITION_BITS);
    if (slots[s] === 0) {
      slots[s] = i + 1;
      groupOf[s] = groups;
      rep[groups++] = i;
    }
    const g = groupOf[s];
    cents[g] += visits.cents[i];
    rankSum[g] += rankings.rank[joined[i]];
    count[g]++;
  }
  return {
    groups,
    rep: rep.slice(0, groups),
    cents: cents.slice(0, groups),
    rankSum: rankSum.slice(0, groups),
    count: count.slice(0, groups),
  };
}
