// The history on disk: one append-only NDJSON file, one line per added result set,
// written under a lock file so two concurrent `history add` never interleave or add
// the same results twice. A torn last line (a crash mid-write) is skipped on reading.
import fs from 'node:fs';
import path from 'node:path';
import { readNdjson } from '../results/store.js';
import { UsageError } from '../util/errors.js';
import { withLock } from '../util/lock.js';
import { HISTORY_FORMAT, type HistoryEntry } from './entry.js';

export const HISTORY_FILE = 'history.ndjson';

export function readHistory(dir: string): HistoryEntry[] {
  const file = path.join(dir, HISTORY_FILE);
  if (!fs.existsSync(file))
    throw new UsageError(`${dir}: no history here (${HISTORY_FILE} missing); add results with versus history add`);
  let entries: HistoryEntry[];
  try {
    entries = readNdjson<HistoryEntry>(file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  entries.forEach((e, i) => {
    if (e?.format !== HISTORY_FORMAT || !Array.isArray(e.cells))
      throw new UsageError(`${file}:${i + 1}: not a ${HISTORY_FORMAT} entry`);
  });
  return entries;
}

/** Appends an entry unless the same results are there; returns the entry already there, if any. */
export async function appendEntry(dir: string, entry: HistoryEntry): Promise<HistoryEntry | null> {
  fs.mkdirSync(dir, { recursive: true });
  return withLock(path.join(dir, 'history.lock'), () => {
    const file = path.join(dir, HISTORY_FILE);
    const existing = fs.existsSync(file) ? readHistory(dir) : [];
    const same = existing.find((e) => e.id === entry.id);
    if (same) return same;
    const fd = fs.openSync(file, 'a');
    try {
      fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return null;
  });
}
