import fs from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../util/errors.js';

/**
 * Formats zod issues as "where: path: message" lines, the path in config notation; a
 * field a flag set is named by the flag ("--interval 1: …"), not by the file it was merged into.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  where: string,
  flagOf: (path: string) => string | null = () => null,
): string {
  return issues
    .map((issue) => {
      const path = issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      const flag = flagOf(path);
      if (flag) return `${flag}: ${issue.message} (${path})`;
      return `${where}: ${path || '(top level)'}: ${issue.message}`;
    })
    .join('\n');
}

/** The value at a dotted config path of a (partial) config, or undefined. */
export function valueAt(config: unknown, path: string): unknown {
  let v: unknown = config;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export function parseConfigText(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  return configMapping(parseConfigText(text, file), file);
}

/** A config file holds a mapping of settings; anything else (a scalar, a list, nothing) is refused by name. */
export function configMapping(value: unknown, file: string): Record<string, unknown> {
  if (value === null || value === undefined)
    throw new UsageError(`${file}: the config file is empty (or only comments); write {} to run with every default`);
  if (typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new UsageError(`${file}: expected a mapping of settings (name: value, …) at the top level, got ${what}`);
  }
  return value as Record<string, unknown>;
}

/** Deep merge where `over` wins; arrays are replaced, not merged. */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
