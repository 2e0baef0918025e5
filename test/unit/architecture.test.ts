// Dependencies run one way: no import cycle in src/ (type-only imports included), and no
// import against the layer order written in docs/ARCHITECTURE.md.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  crossBackendImports,
  cycles,
  importsOf,
  moduleOf,
  parseBackendFloors,
  parseLayers,
  readGraph,
  upwardImports,
} from '../support/importGraph.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const graph = readGraph(path.join(ROOT, 'src'));
const architecture = fs.readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
const floors = parseLayers(architecture);
const backendFloors = parseBackendFloors(architecture);

describe('the import graph of src/', () => {
  it('has no cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('places every module on a floor of docs/ARCHITECTURE.md', () => {
    const modules = new Set([...graph.keys()].map(moduleOf));
    expect([...modules].filter((m) => !floors.has(m)).sort()).toEqual([]);
  });

  it('has no import from a lower floor to a higher one', () => {
    expect(upwardImports(graph, floors)).toEqual([]);
  });

  it('has no backend importing another backend but those docs/ARCHITECTURE.md lets it build on', () => {
    expect(crossBackendImports(graph, backendFloors)).toEqual([]);
  });

  it('is read whole: type-only, re-exports, multi-line and dynamic imports', () => {
    const src = [
      "import type { A } from './a.js';",
      "import {\n  B,\n  C,\n} from '../b.js';",
      "export { D } from './d.js';",
      "const e = await import('./e.js');",
      "import 'node:fs';",
    ].join('\n');
    expect(importsOf(src).sort()).toEqual(['../b.js', './a.js', './d.js', './e.js']);
    expect(graph.size).toBeGreaterThan(100);
  });
});

describe('the checks themselves', () => {
  it('find a backend reaching into another one no rule lets it', () => {
    const allowed = parseBackendFloors('```backends\ngvisor podman -> docker  # flavours\n```');
    expect(allowed.get('podman')).toEqual(new Set(['docker']));
    const g = new Map([
      ['environments/gvisor/index.ts', ['environments/docker/backend.ts', 'environments/segment.ts']],
      ['environments/lxc/backend.ts', ['environments/native/cgroupLimits.ts', 'environments/lxc/config.ts']],
      ['environments/docker/backend.ts', ['environments/gvisor/config.ts']],
    ]);
    expect(crossBackendImports(g, allowed)).toEqual([
      'environments/lxc/backend.ts -> environments/native/cgroupLimits.ts',
      'environments/docker/backend.ts -> environments/gvisor/config.ts',
    ]);
  });

  it('find a cycle through type-only imports and a self-import', () => {
    const g = new Map([
      ['config/schema.ts', ['environments/registry.ts']],
      ['environments/registry.ts', ['environments/docker/index.ts']],
      ['environments/docker/index.ts', ['config/schema.ts']],
      ['util/x.ts', ['util/x.ts']],
      ['util/y.ts', []],
    ]);
    expect(cycles(g)).toEqual([
      ['config/schema.ts', 'environments/docker/index.ts', 'environments/registry.ts'],
      ['util/x.ts'],
    ]);
  });

  it('find an import that runs up the floors', () => {
    const layers = parseLayers('```layers\ncommands\nresults report  # same floor\nutil\n```');
    expect(layers.get('report')).toBe(1);
    const g = new Map([
      ['util/lock.ts', ['results/store.ts']],
      ['report/a.ts', ['results/b.ts', 'util/c.ts']],
      ['commands/run.ts', ['report/a.ts']],
    ]);
    expect(upwardImports(g, layers)).toEqual(['util/lock.ts -> results/store.ts']);
  });
});
