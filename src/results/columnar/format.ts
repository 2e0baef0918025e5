// Values of query results as plain JSON (the exporters in src/export/ write them). Pure.

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

/** One value as a table or CSV cell: integers whole, others to 6 significant digits, objects as JSON. */
export function cellText(v: unknown): string {
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

/** Rows from the engine as plain JSON values (MAPs as objects, big integers as numbers where exact). */
export function plainRows(rawRows: readonly unknown[][]): unknown[][] {
  return rawRows.map((r) => r.map((v) => mapsAsObjects(plainValue(v))));
}
