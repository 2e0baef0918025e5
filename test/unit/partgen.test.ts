// The cluster workloads' data generators: partitions cover the rows exactly once, each from
// a stream of its own, and the whole data set is the partitions in order — what the cluster
// job's workers write one by one is what the single-process workload reads at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeParts as kmeansParts } from '../../workloads/cluster-kmeans/gen.mjs';
import { writeParts as logregParts } from '../../workloads/cluster-logreg/gen.mjs';
import { generatePart, sharedOf } from '../../workloads/cluster-pagerank/gen.mjs';
import { writeParts as sqljoinParts } from '../../workloads/cluster-sqljoin/gen.mjs';
import { partRange, partSeed, partsOf } from '../../workloads/lib/partgen.mjs';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'versus-partgen-'));

describe('partitions', () => {
  it('cover every row once, in order, whatever the sizes', () => {
    for (const [total, parts] of [
      [10, 3],
      [7, 8],
      [1000, 48],
    ] as const) {
      const ranges = Array.from({ length: parts }, (_, p) => partRange(total, parts, p));
      expect(ranges[0]![0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(total);
      for (let p = 1; p < parts; p++) expect(ranges[p]![0]).toBe(ranges[p - 1]![1]);
    }
    expect(partsOf({ all: true, partitions: 3 })).toEqual([0, 1, 2]);
    expect(partsOf({ part: 2, partitions: 3 })).toEqual([2]);
  });
  it('draw from streams of their own, none the shared one', () => {
    const seeds = new Set(Array.from({ length: 64 }, (_, p) => partSeed(1, p)));
    expect(seeds.size).toBe(64);
    expect(seeds.has(1)).toBe(false);
  });
});

describe('each generator: the whole data set is its partitions in order', () => {
  const concat = (files: string[]) => Buffer.concat(files.map((f) => fs.readFileSync(f)));
  it('k-means points and logistic-regression rows', () => {
    const dir = tmp();
    const k = { points: 103, dimensions: 3, clusters: 4, seed: 7, partitions: 4 };
    const l = { samples: 50, features: 30, nonzeros: 4, seed: 7, partitions: 3 };
    for (const [write, o, n] of [
      [kmeansParts, k, 4],
      [logregParts, l, 3],
    ] as const) {
      const parts = Array.from({ length: n }, (_, p) => {
        const f = path.join(dir, `${write === kmeansParts ? 'k' : 'l'}-${p}`);
        write(f, o as never, [p]);
        return f;
      });
      const all = path.join(dir, 'all');
      write(all, o as never, partsOf({ all: true, partitions: n }));
      expect(concat(parts).equals(fs.readFileSync(all))).toBe(true);
      expect(fs.readFileSync(all, 'utf8').trim().split('\n')).toHaveLength(write === kmeansParts ? 103 : 50);
    }
  });
  it('the pages graph: every page in exactly one partition, the same edges either way', () => {
    const o = { pages: 300, avgLinks: 4, zipf: 1, seed: 3, partitions: 5 };
    const shared = sharedOf(o);
    const each: number[][] = [];
    for (let part = 0; part < 5; part++)
      generatePart({ ...o, part }, shared, (s: number, d: number) => each.push([s, d]));
    const again: number[][] = [];
    for (let part = 0; part < 5; part++)
      generatePart({ ...o, part }, sharedOf(o), (s: number, d: number) => again.push([s, d]));
    expect(again).toEqual(each);
    const sources = each.map(([s]) => s!);
    expect(sources).toEqual([...sources].sort((a, b) => a - b));
  });
  it('the join tables', () => {
    const dir = tmp();
    const o = { rankings: 40, uservisits: 200, 'source-ips': 20, seed: 5, partitions: 4 };
    for (let p = 0; p < 4; p++) sqljoinParts(path.join(dir, `p${p}`), o, [p]);
    sqljoinParts(path.join(dir, 'all'), o, [0, 1, 2, 3]);
    for (const table of ['rankings.csv', 'uservisits.csv']) {
      const parts = concat([0, 1, 2, 3].map((p) => path.join(dir, `p${p}`, table)));
      expect(parts.equals(fs.readFileSync(path.join(dir, 'all', table))), table).toBe(true);
    }
  });
});
