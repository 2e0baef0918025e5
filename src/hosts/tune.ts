// `versus doctor --tune` and `--tune-reset`: the reversible settings pyperf's `system
// tune` makes (governor performance, boost off, THP madvise), each previous value saved
// first so the reset puts exactly it back. Only files that exist and take the write are
// changed; `run` never calls this.
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../util/files.js';
import { FITNESS_FILES, readOrNull } from './fitnessFacts.js';

export interface TuneChange {
  file: string;
  before: string;
  after: string;
}

export interface TuneOutcome {
  changed: TuneChange[];
  /** files that exist but refused the write (not root, a hypervisor's read-only file), with why */
  refused: string[];
}

const cpusOf = (root: string) => (readOrNull(root, FITNESS_FILES.stat)?.match(/^cpu\d+ /gm) ?? []).length;

/** The tunable files of this host and the value each should hold. */
function targets(root: string): { file: string; value: string }[] {
  const out: { file: string; value: string }[] = [];
  for (let cpu = 0; cpu < cpusOf(root); cpu++) out.push({ file: FITNESS_FILES.governor(cpu), value: 'performance' });
  out.push({ file: FITNESS_FILES.noTurbo, value: '1' });
  out.push({ file: FITNESS_FILES.boost, value: '0' });
  out.push({ file: FITNESS_FILES.thp, value: 'madvise' });
  return out;
}

/** The value a file reads as: THP's bracketed choice, else the trimmed text. */
function current(text: string): string {
  return /\[([^\]]+)\]/.exec(text)?.[1] ?? text.trim();
}

function write(root: string, file: string, value: string, refused: string[]): boolean {
  try {
    fs.writeFileSync(path.join(root, file), value);
    return true;
  } catch (err) {
    refused.push(`${file}: ${(err as Error).message}`);
    return false;
  }
}

/**
 * Applies every setting not yet as wanted and saves what each was in `stateFile`; a
 * second --tune before a reset keeps the first saved values (the host's own).
 */
export function tuneHost(root: string, stateFile: string): TuneOutcome {
  const saved = readState(stateFile);
  const out: TuneOutcome = { changed: [], refused: [] };
  for (const t of targets(root)) {
    const text = readOrNull(root, t.file);
    if (text === null || current(text) === t.value) continue;
    if (write(root, t.file, t.value, out.refused))
      out.changed.push({ file: t.file, before: current(text), after: t.value });
  }
  const known = new Set(saved.map((c) => c.file));
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  writeJsonAtomic(stateFile, [...saved, ...out.changed.filter((c) => !known.has(c.file))]);
  return out;
}

/** Puts back every value --tune saved, then forgets them. */
export function resetHost(root: string, stateFile: string): TuneOutcome {
  const out: TuneOutcome = { changed: [], refused: [] };
  for (const c of readState(stateFile)) {
    const text = readOrNull(root, c.file);
    if (text === null) continue;
    if (write(root, c.file, c.before, out.refused))
      out.changed.push({ file: c.file, before: current(text), after: c.before });
  }
  if (!out.refused.length) fs.rmSync(stateFile, { force: true });
  return out;
}

function readState(stateFile: string): TuneChange[] {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as TuneChange[];
  } catch {
    return [];
  }
}
