// The query, as a hash join:
//   SELECT sourceIP, avg(pageRank), sum(adRevenue) AS totalRevenue
//   FROM rankings R JOIN uservisits UV ON R.pageURL = UV.destURL
//   WHERE UV.visitDate BETWEEN from AND to GROUP BY sourceIP ORDER BY totalRevenue DESC
// (ties: sourceIP ascending). Sums are integers (cents, ranks): exact in any order.

export function joinQuery(rankings, visits, from, to) {
  const groups = new Map();
  for (let i = 0; i < visits.n; i++) {
    const d = visits.date[i];
    if (d < from || d > to) continue;
    const rank = rankings.get(visits.url[i]);
    if (rank === undefined) continue;
    const g = groups.get(visits.ip[i]);
    if (g) {
      g.cents += visits.cents[i];
      g.rankSum += rank;
      g.n++;
    } else groups.set(visits.ip[i], { cents: visits.cents[i], rankSum: rank, n: 1 });
  }
  const rows = [...groups].map(([sourceIP, g]) => ({
    sourceIP,
    avgPageRank: g.rankSum / g.n,
    totalRevenueCents: g.cents,
  }));
  rows.sort(
    (a, b) =>
      b.totalRevenueCents - a.totalRevenueCents || (a.sourceIP < b.sourceIP ? -1 : a.sourceIP > b.sourceIP ? 1 : 0),
  );
  return rows;
}

/** The result as text, one row per line: what the checksum covers. */
export function resultText(rows) {
  return rows.map((r) => `${r.sourceIP}|${r.avgPageRank}|${r.totalRevenueCents}`).join('\n');
}
