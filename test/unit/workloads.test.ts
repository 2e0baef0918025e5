// The paper's workloads against independent references on small data: numpy for
// k-means and logistic regression, sqlite3 for the SQL join (both from Debian's
// packages); bit-identical results for every thread count; corrupt input is exit 2
// with the line number and no result line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePoints } from '../../workloads/kmeans/data.mjs';
import { writeRows } from '../../workloads/logreg/data.mjs';
import { writeTables } from '../../workloads/sqljoin/tables.mjs';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'versus-wl-'));

interface Outcome {
  code: number | null;
  stderr: string;
  result: Record<string, unknown> | null;
}

function runWorkload(name: string, args: string[]): Outcome {
  const r = spawnSync(process.execPath, [path.resolve(`workloads/${name}/${name}.mjs`), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const result = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e.type === 'result');
  return { code: r.status, stderr: r.stderr, result: result ?? null };
}

function python(script: string, ...args: string[]): unknown {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function expectClose(actual: number[], expected: number[], rel = 1e-9) {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]!));
    expect(Math.abs(actual[i]! - expected[i]!) / scale, `element ${i}`).toBeLessThan(rel);
  }
}

describe('kmeans', () => {
  const dir = tmp();
  const file = path.join(dir, 'points.csv');
  writePoints(file, { points: 3000, dimensions: 5, clusters: 4, seed: 7 });

  it('agrees with a numpy Lloyd iteration from the same start', () => {
    const out = runWorkload('kmeans', [`--input=${file}`, '--k=4', '--iterations=5', '--threads=1']);
    expect(out.code, out.stderr).toBe(0);
    const ref = python(
      `
import sys, json, numpy as np
x = np.loadtxt(sys.argv[1], delimiter=',')
n, k = len(x), 4
c = x[[j * n // k for j in range(k)]].copy()
for _ in range(5):
    d = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
    a = d.argmin(axis=1)
    sse = float(d[np.arange(n), a].sum())
    counts = np.bincount(a, minlength=k)
    for j in range(k):
        if counts[j]: c[j] = x[a == j].mean(axis=0)
print(json.dumps({"centroids": c.ravel().tolist(), "counts": counts.tolist(), "sse": sse}))
`,
      file,
    ) as { centroids: number[]; counts: number[]; sse: number };
    expectClose(out.result!.centroids as number[], ref.centroids);
    expect(out.result!.counts).toEqual(ref.counts);
    expectClose([(out.result!.metrics as { sse: number }).sse], [ref.sse]);
  });

  it('gives the same bits for 1, 2 and 3 threads (5 chunks of rows)', () => {
    const big = path.join(dir, 'big.csv');
    writePoints(big, { points: 20000, dimensions: 5, clusters: 4, seed: 8 });
    const outs = [1, 2, 3].map((t) => runWorkload('kmeans', [`--input=${big}`, '--k=4', `--threads=${t}`]));
    for (const o of outs) expect(o.code, o.stderr).toBe(0);
    expect(new Set(outs.map((o) => o.result!.checksum)).size).toBe(1);
  });

  it('refuses a corrupt points file with its line number, exit 2, no result', () => {
    const bad = path.join(dir, 'bad.csv');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[41] = lines[41]!.replace(/,[^,]*$/, ',abc');
    fs.writeFileSync(bad, lines.join('\n'));
    const out = runWorkload('kmeans', [`--input=${bad}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/bad\.csv:42: coordinate 5 "abc" is not a number/);
    expect(out.result).toBeNull();
  });
});

describe('logreg', () => {
  const dir = tmp();
  const file = path.join(dir, 'rows.libsvm');
  writeRows(file, { samples: 2500, features: 40, nonzeros: 6, seed: 3 });

  it('agrees with numpy gradient descent on the same rows', () => {
    const out = runWorkload('logreg', [
      `--input=${file}`,
      '--features=40',
      '--iterations=15',
      '--step=0.5',
      '--l2=0.001',
      '--threads=1',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const ref = python(
      `
import sys, json, numpy as np
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
n, f = len(rows), 40
X = np.zeros((n, f)); y = np.zeros(n)
for i, r in enumerate(rows):
    y[i] = float(r[0])
    for p in r[1:]:
        j, v = p.split(':'); X[i, int(j) - 1] = float(v)
w = np.zeros(f)
for _ in range(15):
    p = 1 / (1 + np.exp(-(X @ w)))
    w = w - 0.5 * (X.T @ (p - y) / n + 0.001 * w)
z = X @ w
loss = float(np.mean(np.log1p(np.exp(-np.abs(z))) + np.maximum(0, np.where(y == 1, -z, z))))
acc = float(np.mean((1 / (1 + np.exp(-z)) >= 0.5) == (y == 1)))
print(json.dumps({"w": w.tolist(), "loss": loss, "accuracy": acc}))
`,
      file,
    ) as { w: number[]; loss: number; accuracy: number };
    expectClose(out.result!.weights as number[], ref.w);
    const m = out.result!.metrics as { loss: number; accuracy: number };
    expectClose([m.loss], [ref.loss]);
    expect(m.accuracy).toBe(ref.accuracy);
  });

  it('gives the same bits for 1 and 3 threads (4 chunks of rows)', () => {
    const big = path.join(dir, 'big.libsvm');
    writeRows(big, { samples: 15000, features: 40, nonzeros: 6, seed: 4 });
    const outs = [1, 3].map((t) => runWorkload('logreg', [`--input=${big}`, '--features=40', `--threads=${t}`]));
    for (const o of outs) expect(o.code, o.stderr).toBe(0);
    expect(outs[0]!.result!.checksum).toBe(outs[1]!.result!.checksum);
  });

  it('refuses a corrupt row with its line number, exit 2, no result', () => {
    const bad = path.join(dir, 'bad.libsvm');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[9] = `2 ${lines[9]!.slice(2)}`;
    fs.writeFileSync(bad, lines.join('\n'));
    const out = runWorkload('logreg', [`--input=${bad}`, '--features=40']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/bad\.libsvm:10: label "2" is not 0 or 1/);
    expect(out.result).toBeNull();
  });
});

describe('sqljoin', () => {
  const dir = tmp();
  writeTables(dir, { rankings: 300, uservisits: 6000, 'source-ips': 150, seed: 5 });

  it('agrees with sqlite3 running HiBench’s query on the same CSV files', () => {
    const out = runWorkload('sqljoin', [`--input-dir=${dir}`]);
    expect(out.code, out.stderr).toBe(0);
    const sql = `
CREATE TABLE rankings(pageURL TEXT, pageRank INTEGER, avgDuration INTEGER);
CREATE TABLE uservisits(sourceIP TEXT, destURL TEXT, visitDate TEXT, adRevenue TEXT, userAgent TEXT,
  countryCode TEXT, languageCode TEXT, searchWord TEXT, duration INTEGER);
.mode csv
.import ${dir}/rankings.csv rankings
.import ${dir}/uservisits.csv uservisits
.mode list
.separator |
SELECT sourceIP, avg(pageRank), sum(CAST(round(CAST(adRevenue AS REAL) * 100) AS INTEGER)) AS totalRevenue
FROM rankings R JOIN uservisits UV ON R.pageURL = UV.destURL
WHERE UV.visitDate BETWEEN '1999-01-01' AND '2000-01-01'
GROUP BY sourceIP ORDER BY totalRevenue DESC, sourceIP ASC;
`;
    const r = spawnSync('sqlite3', [':memory:'], { input: sql, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const expected = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('|'))
      .map(([ip, avg, cents]) => ({ ip, avg: Number(avg), cents: Number(cents) }));
    expect((out.result!.metrics as { resultRows: number }).resultRows).toBe(expected.length);
    const top = out.result!.top as { sourceIP: string; avgPageRank: number; totalRevenueCents: number }[];
    for (const [i, row] of top.entries()) {
      expect(row.sourceIP).toBe(expected[i]!.ip);
      expect(row.totalRevenueCents).toBe(expected[i]!.cents);
      expectClose([row.avgPageRank], [expected[i]!.avg], 1e-12);
    }
  });

  it('gives the same bits for 1, 2 and 3 threads (5 chunks of visits, 64 partitions)', () => {
    const big = tmp();
    writeTables(big, { rankings: 500, uservisits: 20000, 'source-ips': 700, seed: 9 });
    const outs = [1, 2, 3].map((t) => runWorkload('sqljoin', [`--input-dir=${big}`, `--threads=${t}`]));
    for (const out of outs) expect(out.code, out.stderr).toBe(0);
    expect(outs.map((o) => o.result!.threads)).toEqual([1, 2, 3]);
    expect(new Set(outs.map((o) => o.result!.checksum)).size).toBe(1);
    expect((outs[0]!.result!.metrics as { resultRows: number }).resultRows).toBeGreaterThan(600);
  });

  it('refuses a corrupt visit with its line number, exit 2, no result', () => {
    const bad = tmp();
    fs.copyFileSync(path.join(dir, 'rankings.csv'), path.join(bad, 'rankings.csv'));
    const lines = fs.readFileSync(path.join(dir, 'uservisits.csv'), 'utf8').split('\n');
    const f = lines[99]!.split(',');
    f[3] = '12,5';
    lines[99] = f.join(',');
    fs.writeFileSync(path.join(bad, 'uservisits.csv'), lines.join('\n'));
    const out = runWorkload('sqljoin', [`--input-dir=${bad}`]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/uservisits\.csv:100: 10 fields, uservisits has 9/);
    expect(out.result).toBeNull();
  });
});
