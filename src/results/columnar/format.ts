// Query results for people and programs: an aligned table, CSV or JSON. Pure.
import { stringify } from 'csv-stringify/sync';

export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** A value from the engine as plain JSON: exact integers stay numbers, dates become ISO strings. */
export function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // MAP values come as [{key, value}]; shown as an object
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainValue(x)]));
  }
  return v;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

const isMapEntries = (v: unknown): v is { key: unknown; value: unknown }[] =>
  Array.isArray(v) && v.length > 0 && v.every((e) => e && typeof e === 'object' && 'key' in e && 'value' in e);

function mapsAsObjects(v: unknown): unknown {
  if (isMapEntries(v)) return Object.fromEntries(v.map((e) => [String(e.key), mapsAsObjects(e.value)]));
  if (Array.isArray(v)) return v.map(mapsAsObjects);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapsAsObjects(x)]));
  return v;
}

export function formatRows(columns: readonly string[], rawRows: readonly unknown[][], format: QueryFormat): string {
  const rows = rawRows.map((r) => r.map((v) => mapsAsObjects(plainValue(v))));
  if (format === 'json')
    return JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))),
      null,
      2,
    );
  if (format === 'csv')
    return stringify(
      rows.map((r) => r.map(cell)),
      { header: true, columns: [...columns] },
    ).trimEnd();
  const text = rows.map((r) => r.map(cell));
  const numeric = columns.map(
    (_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'),
  );
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...text.map((r) => r[i]!.length))));
  const fit = (s: string, i: number) => {
    const w = widths[i]!;
    const t = s.length > w ? `${s.slice(0, w - 1)}…` : s;
    return numeric[i] ? t.padStart(w) : t.padEnd(w);
  };
  const line = (r: string[]) => r.map(fit).join('  ').trimEnd();
  return [
    line([...columns]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...text.map(line),
    `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}
