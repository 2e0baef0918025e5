// The workload contract: a manifest's parameters and presets, and the JSON lines workers print.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, resolveWorkload, workloadArgs } from '../../src/workload/manifest.js';
import { parseWorkloadLine } from '../../src/workload/protocol.js';
import { workloadMeta } from '../../src/workload/resolve.js';
// the backends' views (kinds, sample sources) for results that do not record them, as the CLI has them
import '../../src/compose/registry.js';

describe('workload manifest', () => {
  const m = loadManifest('pagerank');

  it('resolves a preset with overrides and checks them against the manifest', () => {
    const r = resolveWorkload(m, 'tiny', { pages: '1234', iterations: 3 });
    expect(r.params).toMatchObject({ graph: 'pages', pages: 1234, iterations: 3 });
    expect(workloadArgs(r, { threads: 2 })).toContain('--threads=2');
    expect(workloadArgs(r)).toContain('--pages=1234');
  });

  it('keys the computation by every parameter that changes the result, not by threads', () => {
    const a = resolveWorkload(m, 'tiny', {});
    const b = resolveWorkload(m, 'tiny', { threads: 4 });
    const c = resolveWorkload(m, 'tiny', { seed: 2 });
    expect(a.workKey).toBe(b.workKey);
    expect(a.workKey).not.toBe(c.workKey);
  });

  it('names the parameter in errors', () => {
    expect(() => resolveWorkload(m, 'tiny', { pages: 0 })).toThrow(
      'workload.params.pages: must be between 1 and 50000000, not 0',
    );
    expect(() => resolveWorkload(m, 'tiny', { color: 'red' })).toThrow(
      /workload\.params\.color: pagerank has no such parameter/,
    );
    expect(() => resolveWorkload(m, 'huge', {})).toThrow(/workload\.preset: pagerank has no preset "huge"/);
    expect(() => resolveWorkload(m, 'tiny', { graph: 'mesh' })).toThrow(/must be one of pages, rmat, file/);
    expect(() => loadManifest('../etc')).toThrow(/not a workload folder name/);
    expect(() => loadManifest('nosuch')).toThrow(/no workload nosuch/);
  });

  it('carries a published reference into experiment.json; refuses one without findings', () => {
    const meta = workloadMeta(resolveWorkload(loadManifest('mariadb'), 'tiny', {}));
    expect(meta.reference).toMatchObject({ source: expect.stringMatching(/^Felter et al\. 2014/) });
    expect(Object.keys(meta.reference!.findings)).toEqual(['Docker', 'KVM', 'gVisor']);
    // the findings as numbers travel with it: the report marks measured ratios outside them
    expect(meta.reference!.ranges?.map((r) => r.finding)).toEqual(['Docker', 'KVM', 'gVisor']);
    expect(workloadMeta(resolveWorkload(m, 'tiny', {})).reference).toBeUndefined();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-manifest-'));
    const bad = { ...JSON.parse(fs.readFileSync('workloads/mariadb/workload.json', 'utf8')), name: 'bad' };
    bad.reference = { source: 'a study', benchmark: 'b' };
    fs.mkdirSync(path.join(dir, 'bad'));
    fs.writeFileSync(path.join(dir, 'bad', 'workload.json'), JSON.stringify(bad));
    expect(() => loadManifest('bad', [dir])).toThrow(/reference\.findings/);
  });
});

describe('workload protocol', () => {
  it('parses known events and ignores anything else', () => {
    expect(parseWorkloadLine('{"type":"phase","phase":"load","state":"end","ms":5,"t":1}')).toEqual({
      type: 'phase',
      phase: 'load',
      state: 'end',
      ms: 5,
      t: 1,
    });
    expect(parseWorkloadLine('not json')).toBeNull();
    expect(parseWorkloadLine('{"type":"result"}')).toBeNull();
    expect(parseWorkloadLine('{"type":"phase","phase":1}')).toBeNull();
    const r = parseWorkloadLine(
      '{"type":"result","vertices":3,"edges":3,"iterations":2,"checksum":"ab","verified":true,"ms":{"load":1}}',
    );
    expect(r?.type === 'result' && r.result.checksum).toBe('ab');
  });
});
