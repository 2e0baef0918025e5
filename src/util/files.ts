import fs from 'node:fs';

/** Whole-file JSON through a temp file and rename: a crash leaves the old or the new file, never half. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
