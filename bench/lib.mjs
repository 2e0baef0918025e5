// What the benchmarks share: their flags, the median and range they report over rounds, and
// an experiment run through versus.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The value after `--name` on the command line, or `def`. */
export function argOf(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** "median (min–max)" with `digits` decimals. */
export function range(xs, digits = 2) {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}

/** `versus run <args>` into a fresh folder under `parent` (no report); its run records, each one checked ok. */
export function versusRuns(args, parent) {
  const out = path.join(parent, `versus-${Date.now()}`);
  const cli = [path.join(root, 'dist/cli.js'), 'run', ...args, '--no-report', '-o', out];
  execFileSync(process.execPath, cli, { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = path.join(out, fs.readdirSync(out)[0]);
  const runs = fs.readFileSync(path.join(dir, 'runs.ndjson'), 'utf8').trim().split('\n').map(JSON.parse);
  for (const r of runs) if (r.status !== 'ok') throw new Error(`${r.run}: ${r.reason}`);
  return runs;
}
