import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  binWidth,
  cellBinWidths,
  cellKey,
  cellStats,
  coarsestBin,
  cpuPick,
  memoryPick,
  overheadRatios,
  samplerGaps,
  timeSeries,
} from '../../src/report/aggregate.js';
import { pageOf } from '../../src/report/build.js';
import { escapeHtml, jsonForScript, scriptSafe } from '../../src/report/escape.js';
import { renderHtml } from '../../src/report/html.js';
import { cpuGridSpec, makespanSpec } from '../../src/report/specs.js';
import { loadResults } from '../../src/results/read.js';
import { readSamples } from '../../src/results/store.js';
import type { RunRecord, SampleRecord } from '../../src/results/types.js';
import { writeSyntheticResults } from '../support/synthetic.js';

// biome-ignore lint/suspicious/noExplicitAny: Vega-Lite JSON, inspected by path
type Json = any;

function fixture(opts: Parameters<typeof writeSyntheticResults>[1] = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-report-'));
  writeSyntheticResults(dir, opts);
  // the in-memory result set, and its samples as objects for the aggregation functions
  return Object.assign(loadResults(dir), { all: readSamples(path.join(dir, 'samples.ndjson')) });
}

describe('report aggregation', () => {
  const rs = fixture({ failed: ['003-native-x1-r1'] });

  it('averages workers, then runs, per bin, keeping each bin min and max over runs', () => {
    const rows = timeSeries(rs.runs, rs.all, 'worker', cpuPick('worker'), 1);
    const q = rows.filter((r) => r.env === 'qemu' && r.instances === 2 && r.series === 'User CPU');
    expect(q.length).toBeGreaterThan(20);
    const busy = q.find((r) => r.t > 15 && r.t < 20)!;
    expect(busy.value).toBeCloseTo(87, 10);
    expect(busy.lo).toBeLessThanOrEqual(busy.value);
    expect(busy.hi).toBeGreaterThanOrEqual(busy.value);
    expect(rows.some((r) => r.env === 'qemu' && r.series === 'Steal CPU')).toBe(true);
    expect(rows.some((r) => r.env === 'docker' && r.series === 'Steal CPU')).toBe(false);
  });

  it("takes the containers' Wait CPU from the host view of the same run", () => {
    const rows = timeSeries(rs.runs, rs.all, 'worker', cpuPick('worker'), 1);
    const wait = rows.filter((r) => r.env === 'docker' && r.series === 'Wait CPU');
    expect(wait.length).toBeGreaterThan(0);
    expect(Math.max(...wait.map((r) => r.value))).toBeCloseTo(12, 10);
  });

  it('excludes failed runs and counts them', () => {
    const cells = cellStats(rs.runs, (r) => r.makespanS);
    const native1 = cells.find((c) => c.env === 'native' && c.instances === 1)!;
    expect(native1).toMatchObject({ n: 2, failed: 1 });
    expect(native1.lo!).toBeLessThanOrEqual(native1.mean!);
    expect(cells.map((c) => c.env)).toEqual(['docker', 'docker', 'qemu', 'qemu', 'native', 'native']);
  });

  it('computes overhead ratios with intervals around the ratio of means', () => {
    const ratios = overheadRatios(rs.runs);
    const vmc = ratios.find((r) => r.pair === 'VM/container' && r.instances === 1)!;
    expect(vmc.ratio).toBeCloseTo(1.4 / 1.05, 6);
    expect(vmc.lo).toBeLessThanOrEqual(vmc.ratio);
    expect(vmc.hi).toBeGreaterThanOrEqual(vmc.ratio);
  });

  it('bins each panel by its own span: a short cell keeps the interval beside a long one', () => {
    const run = (name: string, env: string, instances: number) =>
      ({ run: name, env, instances, status: 'ok', warmup: false, workerSource: 'process' }) as RunRecord;
    const runs = [run('short', 'native', 1), run('long', 'qemu', 1)];
    const sample = (r: string, t: number) =>
      ({ run: r, worker: 'w', source: 'process', t, user: 50, system: 0, iowait: 0, steal: 0 }) as SampleRecord;
    const samples = [
      ...Array.from({ length: 40 }, (_, i) => sample('short', i * 0.1)),
      ...Array.from({ length: 1000 }, (_, i) => sample('long', i * 0.1)),
    ];
    const widths = cellBinWidths(runs, samples, 0.1);
    expect(widths.get(cellKey('native', 1))).toBeCloseTo(0.1, 9);
    expect(widths.get(cellKey('qemu', 1))).toBeCloseTo(0.4, 9); // 100 s in at most 300 bins
    expect(coarsestBin(widths, 0.1)).toBeCloseTo(0.4, 9);
    const points = timeSeries(runs, samples, 'worker', cpuPick('worker'), widths);
    const user = (env: string) => points.filter((p) => p.env === env && p.series === 'User CPU');
    expect(user('native')).toHaveLength(40);
    expect(user('qemu').length).toBeLessThanOrEqual(300);
    // one width for all, as before: the short cell falls to the long one's bins
    expect(
      timeSeries(runs, samples, 'worker', cpuPick('worker'), 0.4).filter(
        (p) => p.env === 'native' && p.series === 'User CPU',
      ),
    ).toHaveLength(10);
  });

  it('widens bins to keep at most the requested number', () => {
    const samples = [{ t: -1 }, { t: 9999 }] as SampleRecord[];
    expect(binWidth(samples, 1, 400)).toBe(25);
    expect(binWidth(samples.slice(0, 1), 1, 400)).toBe(1);
    expect(memoryPick({ memUsedBytes: 2 ** 30, memCachedBytes: null } as SampleRecord)).toEqual({
      'Used memory': 1,
      'Cached memory': null,
    });
  });
});

describe('report specs', () => {
  const rs = fixture();
  const rows = timeSeries(rs.runs, rs.all, 'worker', cpuPick('worker'), 1);

  it('builds the Fig. 6 grid: rows = environments, columns = instances, CPU 0..100 over time', () => {
    const spec = cpuGridSpec(rows, { title: 'T', subtitle: ['S'] }) as Json;
    expect(spec.facet.row.field).toBe('envLabel');
    expect(spec.facet.row.sort).toEqual(['Containers (docker)', 'VMs (qemu)', 'Native']);
    expect(spec.facet.column.field).toBe('instances');
    const line = spec.spec.layer[1];
    expect(line.mark.type).toBe('line');
    expect(line.encoding.x.title).toBe('Time (second)');
    expect(line.encoding.y.title).toBe('CPU (%)');
    expect(line.encoding.y.scale.domain).toEqual([0, 100]);
    expect(line.encoding.color.scale.domain).toEqual(['User CPU', 'System CPU', 'Wait CPU', 'Steal CPU']);
    expect(line.encoding.shape.scale.range.slice(0, 3)).toEqual(['square', 'circle', 'triangle-up']);
    expect(spec.title).toEqual({ text: 'T', subtitle: ['S'], anchor: 'start' });
  });

  it('builds Fig. 5 bars with interval rules and failure marks', () => {
    const spec = makespanSpec(
      cellStats(rs.runs, (r) => r.makespanS),
      { title: 'T', subtitle: [] },
    ) as Json;
    expect(spec.layer.map((l: Json) => l.mark.type)).toEqual(['bar', 'rule', 'text']);
    expect(spec.encoding.xOffset.field).toBe('envLabel');
    expect(spec.layer[1].encoding.y2.field).toBe('hi');
    expect(spec.layer[2].transform[0].filter).toBe('datum.failed > 0');
  });
});

describe('sampler gaps in the report', () => {
  const rs = fixture({ samplerGap: { run: '002-qemu-x1-r1', fromS: 5, toS: 9 } });

  it('turns the gapS of a sample into the span without data, in the view that lost it', () => {
    const gaps = samplerGaps(rs.runs, rs.all, 'worker');
    expect(gaps).toEqual([
      {
        gap: true,
        env: 'qemu',
        envLabel: 'VMs (qemu)',
        instances: 1,
        run: '002-qemu-x1-r1',
        worker: 'qemu-0',
        t0: 5,
        t1: 9,
      },
    ]);
    expect(samplerGaps(rs.runs, rs.all, 'host')).toEqual([]);
  });

  it('draws gaps as grey bands under the series and says so; no band layer without gaps', () => {
    const rows = timeSeries(rs.runs, rs.all, 'worker', cpuPick('worker'), 1);
    const spec: Json = cpuGridSpec(rows, {
      title: 't',
      subtitle: ['s'],
      gaps: samplerGaps(rs.runs, rs.all, 'worker'),
    });
    const [band, area, line] = spec.spec.layer;
    expect(band.mark.type).toBe('rect');
    expect(band.transform[0].filter).toBe('datum.gap === true');
    expect(band.encoding.x2.field).toBe('t1');
    for (const l of [area, line]) expect(l.transform[0].filter).toBe('datum.gap !== true');
    expect(spec.title.subtitle.join()).toContain('no samples from a worker');
    const plain: Json = cpuGridSpec(rows, { title: 't', subtitle: ['s'] });
    expect(plain.spec.layer.map((l: Json) => l.mark.type)).toEqual(['area', 'line']);
  });
});

describe('report with the vagrant environment', () => {
  const rs = fixture({ envs: ['docker', 'qemu', 'vagrant', 'native'], repetitions: 2 });

  it('adds the vagrant overhead pairs, vagrant against qemu included', () => {
    const pairs = new Set(overheadRatios(rs.runs).map((r) => r.pair));
    expect([...pairs]).toEqual(
      expect.arrayContaining(['VM/container', 'vagrant VM/container', 'vagrant VM/native', 'vagrant VM/qemu VM']),
    );
    const vq = overheadRatios(rs.runs).find((r) => r.pair === 'vagrant VM/qemu VM' && r.instances === 1)!;
    expect(vq.ratio).toBeCloseTo(1.45 / 1.4, 6);
  });

  it('draws vagrant from the guest view and names every TCG backend in the warning', async () => {
    const rows = timeSeries(rs.runs, rs.all, 'worker', cpuPick('worker'), 1);
    expect(rows.some((r) => r.env === 'vagrant' && r.envLabel === 'VMs (vagrant)' && r.series === 'User CPU')).toBe(
      true,
    );
    const page = await pageOf(rs);
    expect(page.warnings.join('\n')).toContain('VMs (qemu, vagrant) ran under TCG software emulation');
  });
});

describe('report page', () => {
  it('cross-checks the cgroup files against the Docker stats API and names each figure source', async () => {
    const page = await pageOf(fixture({}));
    const table = page.tables.find((t) => t.title.startsWith('Sampler cross-check'))!;
    expect(table.rows.length).toBe(6); // every measured docker run
    for (const row of table.rows) expect(row.at(-1)).toBe('+1.50');
    expect(table.note).toContain('largest difference here is 1.50 points');
    const fig6 = page.figures.find((f) => f.id === 'fig6-worker')!;
    expect(fig6.caption).toContain('Sources: docker = cgroup, qemu = guest, native = process');
  });

  it('says when KVM failed and the rest of the experiment ran under TCG', async () => {
    const rs = fixture({});
    (rs.meta.environments as Record<string, Record<string, unknown>>).qemu = {
      accelerator: 'tcg',
      acceleratorReason: 'KVM failed in run x-001-qemu-x1-r1: KVM internal error (suberror 1: emulation failure)',
      acceleratorChanges: [
        {
          run: 'x-001-qemu-x1-r1',
          from: 'kvm',
          to: 'tcg',
          reason: 'KVM internal error (suberror 1: emulation failure)',
        },
      ],
    };
    const page = await pageOf(rs);
    expect(page.warnings.join('\n')).toContain(
      'qemu: switched from KVM to TCG after run x-001-qemu-x1-r1 failed (KVM internal error (suberror 1: emulation failure))',
    );
    const accel = page.methodology.find((m) => m.label === 'accelerator')!.value;
    expect(accel).toContain('qemu: kvm → tcg after run x-001-qemu-x1-r1');
  });

  it('warns about TCG, failures and an incomplete experiment', async () => {
    const page = await pageOf(fixture({ failed: ['001-docker-x1-r1'], status: 'interrupted' }));
    expect(page.banner).toContain('Incomplete experiment (status: interrupted)');
    expect(page.warnings.join('\n')).toMatch(/TCG software emulation/);
    expect(page.warnings.join('\n')).toMatch(/1 of 18 measured runs failed/);
    expect(page.failures[0]).toContain('OOMKilled');
    expect(page.figures.map((f) => f.id)).toEqual(
      expect.arrayContaining([
        'fig6-worker',
        'fig6-host',
        'fig5-makespan',
        'fig7-memory',
        'fig3-boot',
        'overhead-ratios',
        'drill-docker',
        'drill-qemu',
        'drill-native',
      ]),
    );
  });

  it('renders user strings inert', async () => {
    const rs = fixture({ name: '<img src=x onerror=alert(1)></script><script>alert(2)</script>' });
    const html = renderHtml(await pageOf(rs));
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes for HTML, for JSON in a script, and for inlined libraries', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(jsonForScript({ s: '</script><!--' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!--"}');
    expect(JSON.parse(jsonForScript({ s: '</script>\u2028' }))).toEqual({ s: '</script>\u2028' });
    expect(scriptSafe('x="</script>"')).toBe('x="<\\/script>"');
  });
});
