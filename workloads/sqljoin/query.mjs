// The query, as a hash join:
//   SELECT sourceIP, avg(pageRank), sum(adRevenue) AS totalRevenue
//   FROM rankings R JOIN uservisits UV ON R.pageURL = UV.destURL
//   WHERE UV.visitDate BETWEEN from AND to GROUP BY sourceIP ORDER BY totalRevenue DESC
// (ties: sourceIP ascending). Sums are integers (cents, ranks): exact in any order.
// The build side (rankings' hash index) is made while loading, as the C++ anchor does;
// the probe and the group-by run on `threads` threads over shared columns.
import { ChunkPool, chunkCount } from '../lib/chunks.mjs';
import { textAt } from './columns.mjs';
import { PARTITIONS, partitionOf } from './kernel.mjs';

const shared = (Type, n) => new Type(new SharedArrayBuffer(Math.max(1, n) * Type.BYTES_PER_ELEMENT));
const dayOf = (iso) => Number(iso.replaceAll('-', ''));

/** A query over loaded tables: open() starts its threads, run() answers, close() stops them. */
export class JoinQuery {
  static async open(rankings, visits, threads) {
    const q = new JoinQuery(rankings, visits);
    q.pool = await ChunkPool.create(new URL('./kernel.mjs', import.meta.url).href, threads, q.shared, q.chunks);
    return q;
  }

  constructor(rankings, visits) {
    this.chunks = chunkCount(visits.n);
    this.shared = {
      rankings,
      visits,
      joined: shared(Int32Array, visits.n),
      ipHash: shared(Uint32Array, visits.n),
      order: shared(Int32Array, visits.n),
      partStart: shared(Int32Array, PARTITIONS + 1),
    };
  }

  get threads() {
    return this.pool.threads;
  }

  async run(from, to) {
    const { visits } = this.shared;
    await this.pool.map({ op: 'probe', from: dayOf(from), to: dayOf(to) });
    this.partition();
    const parts = await this.pool.map({ op: 'aggregate' }, PARTITIONS);
    const rows = [];
    for (const g of parts)
      for (let k = 0; k < g.groups; k++)
        rows.push({
          sourceIP: textAt(visits.ip, g.rep[k]),
          avgPageRank: g.rankSum[k] / g.count[k],
          totalRevenueCents: g.cents[k],
        });
    rows.sort(
      (a, b) =>
        b.totalRevenueCents - a.totalRevenueCents || (a.sourceIP < b.sourceIP ? -1 : a.sourceIP > b.sourceIP ? 1 : 0),
    );
    return rows;
  }

  /** The joined rows in order of their IP hash's partition (a counting sort, stable). */
  partition() {
    const { joined, ipHash, order, partStart } = this.shared;
    const n = this.shared.visits.n;
    const next = new Int32Array(PARTITIONS + 1);
    for (let i = 0; i < n; i++) if (joined[i] >= 0) next[partitionOf(ipHash[i]) + 1]++;
    for (let p = 0; p < PARTITIONS; p++) next[p + 1] += next[p];
    partStart.set(next);
    for (let i = 0; i < n; i++) if (joined[i] >= 0) order[next[partitionOf(ipHash[i])]++] = i;
  }

  close() {
    return this.pool.close();
  }
}

/** The result as text, one row per line: what the checksum covers. */
export function resultText(rows) {
  return rows.map((r) => `${r.sourceIP}|${r.avgPageRank}|${r.totalRevenueCents}`).join('\n');
}
