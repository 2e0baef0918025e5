// Reading sysbench's report and judging the server's tables after a run: pure functions.
import { parsed } from '../lib/tool.mjs';

/**
 * What is wrong with the database after the run, as sentences (none: verified). Pure.
 * @param {string} checks CHECK TABLE's rows (table, op, msg_type, msg_text)
 * @param {string} counts one COUNT(*) per line, in table order
 */
export function verdict(tables, before, after, checks, counts, tableSize) {
  const problems = [];
  for (const line of checks.trim().split('\n')) {
    const [table, , type, text] = line.split('\t');
    if (type === 'status' && text !== 'OK') problems.push(`CHECK TABLE ${table}: ${text}`);
    if (type === 'error') problems.push(`CHECK TABLE ${table}: ${text}`);
  }
  const rows = counts.trim().split('\n').map(Number);
  tables.forEach((t, i) => {
    if (rows[i] !== tableSize) problems.push(`${t} holds ${rows[i]} rows, not ${tableSize}`);
  });
  if (tables.every((t) => before.get(t) === after.get(t))) problems.push('no table changed: no write arrived');
  return problems;
}

/** The numbers of sysbench's report. Pure. */
export function parseReport(text) {
  return {
    transactions: parsed(text, /transactions:\s+(\d+)/, 'transactions'),
    transactionsPerSecond: parsed(text, /transactions:\s+\d+\s+\(([\d.]+) per sec/, 'transactions per second'),
    queriesPerSecond: parsed(text, /queries:\s+\d+\s+\(([\d.]+) per sec/, 'queries per second'),
    retries: parsed(text, /ignored errors:\s+(\d+)/, 'ignored errors'),
    latencyAvgMs: parsed(text, /avg:\s+([\d.]+)/, 'average latency'),
    latencyP95Ms: parsed(text, /95th percentile:\s+([\d.]+)/, '95th percentile latency'),
  };
}
