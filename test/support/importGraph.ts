// The import graph of src/, read from the source text: every relative import, type-only
// ones and dynamic import('…') included. Pure functions over it: strongly connected
// components (cycles) and imports that run against a layer order.
import fs from 'node:fs';
import path from 'node:path';

export type Graph = ReadonlyMap<string, readonly string[]>;

const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\s\S]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** The relative module specifiers one file imports. */
export function importsOf(source: string): string[] {
  const out = new Set<string>();
  for (const re of [STATIC, DYNAMIC]) for (const m of source.matchAll(re)) out.add(m[1]!);
  return [...out];
}

/** Every .ts file under root (paths relative to root) → the files of root it imports. */
export function readGraph(root: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) files.push(path.relative(root, p));
    }
  };
  walk(root);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const targets = importsOf(fs.readFileSync(path.join(root, f), 'utf8')).map((spec) =>
      path.normalize(path.join(path.dirname(f), spec)).replace(/\.js$/, '.ts'),
    );
    graph.set(
      f,
      targets.filter((t) => files.includes(t)),
    );
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The module a file belongs to: its top folder under src/, or its own name (cli.ts → cli). */
export function moduleOf(file: string): string {
  const [first, second] = file.split(path.sep);
  return second === undefined ? first!.replace(/\.ts$/, '') : first!;
}

/**
 * The layers, top first, from a ```layers block: one floor a line, the modules of a
 * floor separated by spaces. Returns module → floor (0 is the ground).
 */
export function parseLayers(markdown: string): Map<string, number> {
  const block = /```layers\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error('no ```layers block');
  const floors = block
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  const out = new Map<string, number>();
  floors.forEach((line, i) => {
    for (const m of line.split(/\s+/)) out.set(m, floors.length - 1 - i);
  });
  return out;
}

/** Imports from a module on a lower floor to one on a higher floor, as "from -> to". */
export function upwardImports(graph: Graph, floors: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph)
    for (const to of targets) {
      const a = floors.get(moduleOf(from));
      const b = floors.get(moduleOf(to));
      if (a !== undefined && b !== undefined && b > a) out.push(`${from} -> ${to}`);
    }
  return out;
}

/** The backend a file of src/environments/ belongs to (its folder), or null for the shared layer (environments/*.ts). */
export function backendOf(file: string): string | null {
  const parts = file.split(path.sep);
  return parts[0] === 'environments' && parts.length > 2 ? parts[1]! : null;
}

/**
 * What each backend may import of other backends, from a ```backends block: one line
 * a rule, "a b -> c" (a and b may import c). A backend no line names imports none.
 */
export function parseBackendFloors(markdown: string): Map<string, Set<string>> {
  const block = /```backends\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (!block) throw new Error('no ```backends block');
  const out = new Map<string, Set<string>>();
  for (const line of block.split('\n').map((l) => l.replace(/#.*/, '').trim())) {
    const [from, to] = line.split('->').map((x) => x.trim().split(/\s+/).filter(Boolean));
    if (!from?.length || !to?.length) continue;
    for (const a of from) out.set(a, new Set([...(out.get(a) ?? []), ...to]));
  }
  return out;
}

/** Imports from one backend's folder into another's that the floors do not allow, as "from -> to". */
export function crossBackendImports(graph: Graph, allowed: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph)
    for (const to of targets) {
      const a = backendOf(from);
      const b = backendOf(to);
      if (a && b && a !== b && !allowed.get(a)?.has(b)) out.push(`${from} -> ${to}`);
    }
  return out;
}
