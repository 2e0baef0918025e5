// The history on disk: one append-only NDJSON file, one line per added result set,
// written under a lock file so two concurrent `history add` never interleave or add the
// same results twice. It is the CI user's most valuable file, so nothing in it is lost
// or merged: an append starts on a line boundary (a torn tail left by a crash is moved
// aside into a file of its own first), is fsynced with its folder, and a line that cannot
// be read is reported by number, never dropped in silence.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { withLock } from '../util/lock.js';
import { HISTORY_FORMAT, type HistoryEntry } from './entry.js';

export const HISTORY_FILE = 'history.ndjson';

/** A line of the history that is not an entry: where, and why. */
export interface SkippedLine {
  line: number;
  reason: string;
}

export interface HistoryRead {
  entries: HistoryEntry[];
  /** lines that are not entries (a torn tail, a corrupt line), named for the user */
  skipped: SkippedLine[];
}

/** Every entry of the history, and every line it could not read; pure over the file's text. */
export function parseHistory(text: string): HistoryRead {
  const lines = text.split('\n');
  const entries: HistoryEntry[] = [];
  const skipped: SkippedLine[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const torn = i === lines.length - 1; // no newline after it: a write that did not finish
    let e: HistoryEntry;
    try {
      e = JSON.parse(line) as HistoryEntry;
    } catch {
      skipped.push({
        line: i + 1,
        reason: torn ? 'a torn last line (a write that did not finish)' : 'not a JSON line',
      });
      return;
    }
    if (e?.format !== HISTORY_FORMAT || !Array.isArray(e.cells))
      skipped.push({ line: i + 1, reason: `not a ${HISTORY_FORMAT} entry` });
    else entries.push(e);
  });
  return { entries, skipped };
}

export function readHistory(dir: string): HistoryRead {
  const file = path.join(dir, HISTORY_FILE);
  if (!fs.existsSync(file))
    throw new UsageError(`${dir}: no history here (${HISTORY_FILE} missing); add results with versus history add`);
  return parseHistory(fs.readFileSync(file, 'utf8'));
}

/** "history.ndjson:4: not a JSON line" for each skipped line. */
export function skippedText(dir: string, skipped: readonly SkippedLine[]): string[] {
  return skipped.map(
    (s) => `${path.join(dir, HISTORY_FILE)}:${s.line}: ${s.reason}; skipped (the line is kept as it is)`,
  );
}

export interface AppendOutcome {
  /** the entry already there for the same results (nothing appended), or null */
  already: HistoryEntry | null;
  /** where a torn tail was moved before appending, if there was one */
  tornTailKeptIn: string | null;
  skipped: SkippedLine[];
}

/** Appends an entry unless the same results are there; a torn tail is moved aside first. */
export async function appendEntry(dir: string, entry: HistoryEntry): Promise<AppendOutcome> {
  fs.mkdirSync(dir, { recursive: true });
  return withLock(path.join(dir, 'history.lock'), () => {
    const file = path.join(dir, HISTORY_FILE);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const { entries, skipped } = parseHistory(text);
    const same = entries.find((e) => e.id === entry.id);
    if (same) return { already: same, tornTailKeptIn: null, skipped };
    const tornTailKeptIn = text.length && !text.endsWith('\n') ? setTornTailAside(dir, text) : null;
    const fd = fs.openSync(file, 'a');
    try {
      fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fsyncDir(dir);
    return { already: null, tornTailKeptIn, skipped };
  });
}

/** Copies the bytes after the last newline into a file of their own, then cuts them off the history. */
function setTornTailAside(dir: string, text: string): string {
  const file = path.join(dir, HISTORY_FILE);
  const cut = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
  const aside = path.join(dir, `history.torn-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
  fs.writeFileSync(aside, text.slice(text.lastIndexOf('\n') + 1));
  const afd = fs.openSync(aside, 'r');
  fs.fsyncSync(afd);
  fs.closeSync(afd);
  fs.truncateSync(file, cut);
  return aside;
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
