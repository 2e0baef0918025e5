import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 over the relative paths and contents of every file below dir, in sorted order. */
export function hashTree(dir: string): string {
  const h = crypto.createHash('sha256');
  const walk = (rel: string) => {
    const entries = fs
      .readdirSync(path.join(dir, rel), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) {
        h.update(`${r}\0`);
        h.update(fs.readFileSync(path.join(dir, r)));
        h.update('\0');
      }
    }
  };
  walk('');
  return h.digest('hex');
}

export function sha256(text: string | Buffer): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
