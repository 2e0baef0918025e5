// One in-process DuckDB for results: the columnar engine behind compaction, the
// report's aggregations and `versus query`. No extensions are ever fetched: the
// ones used here (parquet, json) are built into @duckdb/node-api.
import { type DuckDBConnection, DuckDBInstance, type DuckDBResult, type DuckDBResultReader } from '@duckdb/node-api';

export type Row = Record<string, unknown>;

export interface Duck {
  run(sql: string): Promise<void>;
  /** Rows as plain objects: BIGINT as number (exact below 2^53), other values as DuckDB's JS form. */
  all<T = Row>(sql: string): Promise<T[]>;
  /** The raw reader, for callers that print any type. */
  read(sql: string): Promise<DuckDBResultReader>;
  /** One statement's result, streamed chunk by chunk (`versus query`: any number of rows in bounded memory). */
  stream(sql: string): Promise<DuckDBResult>;
  /** How many statements the SQL holds (a query runs exactly one). */
  statements(sql: string): Promise<number>;
  close(): void;
}

/** A string as a SQL literal. */
export const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A list of strings as a SQL list literal. */
export const litList = (xs: readonly string[]) => `[${xs.map(lit).join(', ')}]`;

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

export async function openDuck(opts: { threads?: number; memoryLimit?: string } = {}): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'true',
    threads: String(opts.threads ?? 2),
    memory_limit: opts.memoryLimit ?? '1GB',
    // aggregation order must not depend on thread scheduling beyond float summation
    preserve_insertion_order: 'true',
  });
  const conn: DuckDBConnection = await instance.connect();
  return {
    run: async (sql) => {
      await conn.run(sql);
    },
    all: async <T>(sql: string) => {
      const reader = await conn.runAndReadAll(sql);
      const names = reader.deduplicatedColumnNames();
      return reader.getRowsJS().map((row) => {
        const o: Row = {};
        for (let i = 0; i < names.length; i++) o[names[i]!] = plain(row[i]);
        return o as T;
      });
    },
    read: (sql) => conn.runAndReadAll(sql),
    stream: (sql) => conn.stream(sql),
    statements: async (sql) => (await conn.extractStatements(sql)).count,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** DuckDB's messages start with their class ("Parser Error: …"); keep the first line. */
export function duckMessage(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
