import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileExporters, writeReport } from '../../src/export/index.js';
import { pageOf } from '../../src/report/build.js';
import { loadResults } from '../../src/results/read.js';
import { writeSyntheticResults } from '../support/synthetic.js';
import { runCli, tmpDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the report', () => {
  let out: string;
  let browser: Browser;

  beforeAll(async () => {
    const results = tmpDir('synthetic');
    writeSyntheticResults(results, {
      name: 'browser<b>x</b>',
      failed: ['002-qemu-x1-r1'],
      samplerGap: { run: '005-qemu-x2-r1', fromS: 4, toS: 8 },
    });
    out = tmpDir('report');
    await writeReport(await pageOf(loadResults(results)), out);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('writes the HTML page and .vl.json, .svg and .png per figure', () => {
    const files = fs.readdirSync(out);
    expect(files).toContain('index.html');
    for (const id of [
      'fig6-worker',
      'fig6-host',
      'fig5-makespan',
      'fig7-memory',
      'fig3-boot',
      'overhead-ratios',
      'drill-qemu',
    ]) {
      for (const ext of ['vl.json', 'svg', 'png']) expect(files).toContain(`${id}.${ext}`);
    }
  });

  it('writes PNGs that decode at twice the SVG size', () => {
    const png = fs.readFileSync(path.join(out, 'fig6-worker.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const svg = fs.readFileSync(path.join(out, 'fig6-worker.svg'), 'utf8');
    const m = /<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"/.exec(svg)!;
    expect(width).toBe(Math.round(Number(m[1]) * 2));
    expect(height).toBe(Math.round(Number(m[2]) * 2));
  });

  it('renders every chart in headless Chromium from file:// with no console error and no network request', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (req) => {
      if (!req.url().startsWith('file://')) requests.push(req.url());
    });
    await page.goto(`file://${path.join(out, 'index.html')}`);
    await page.waitForSelector('body[data-charts]', { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-charts')).toBe('ready');
    const charts = await page.$$eval('div.chart', (divs) =>
      divs.map((d) => ({
        id: d.id,
        marks: d.querySelectorAll(
          'svg .mark-line path, svg .mark-symbol path, svg .mark-rect path, svg .mark-rule line',
        ).length,
      })),
    );
    expect(charts.length).toBeGreaterThanOrEqual(9);
    for (const c of charts) expect(c.marks, c.id).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    // the experiment name carried markup: it is shown as text, not parsed
    expect(await page.$$eval('h1 b', (b) => b.length)).toBe(0);
    expect(await page.textContent('h1')).toContain('browser<b>x</b>');
    await page.close();
  });

  it("a suite's report reads in order: one overview (table, then its heat map with labels apart), the set-up per workload; a screenshot kept", async () => {
    const results = tmpDir('suite');
    writeSyntheticResults(results, { workloads: 3, envs: ['docker', 'gvisor', 'native'], repetitions: 2 });
    const dir = tmpDir('suite-report');
    await writeReport(await pageOf(loadResults(results)), dir, fileExporters('report', 'html'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${path.join(dir, 'index.html')}`);
    await page.waitForSelector('body[data-charts]', { timeout: 60_000 });
    const headings = await page.$$eval('body > h2, body > section > h2', (hs) => hs.map((h) => h.textContent ?? ''));
    expect(headings.filter((h) => /overview/i.test(h))).toHaveLength(1);
    const overview = headings.indexOf('Suite overview: overhead against native');
    expect(headings[overview + 1]).toBe('Overhead against native, as a heat map');
    const setup = await page.$$eval('h2', (hs) => {
      const h = hs.find((x) => x.textContent?.startsWith('Set-up time'))!;
      // the table right after the heading (DOM types are the page's, not this file's)
      const t = h.nextElementSibling as unknown as {
        tHead: { rows: { cells: { textContent: string | null }[] }[] };
        tBodies: { rows: { cells: { textContent: string | null }[] }[] }[];
      };
      return {
        head: [...t.tHead!.rows[0]!.cells].map((c) => c.textContent),
        first: t.tBodies[0]!.rows[1]!.cells[0]!.textContent,
      };
    });
    expect(setup.head).toEqual(['workload', 'step', 'seconds']);
    expect(setup.first).toMatch(/^synthetic-/);
    // the heat map's column labels: every line of every label clear of the others
    const boxes = await page.$$eval('#suite-overhead svg .role-axis-label text', (ts) =>
      ts.map((t) => {
        const b = t.getBoundingClientRect();
        return { x0: b.left, x1: b.right, y0: b.top, y1: b.bottom, text: t.textContent };
      }),
    );
    const columns = boxes.filter((b) => /×/.test(b.text ?? '') || /\(/.test(b.text ?? ''));
    expect(columns.length).toBeGreaterThanOrEqual(2);
    for (const a of columns)
      for (const b of columns)
        if (a !== b && a.y0 < b.y1 && b.y0 < a.y1)
          expect(a.x1 <= b.x0 || b.x1 <= a.x0, `${a.text} / ${b.text}`).toBe(true);
    // …and above the cells, not into them
    const cellsTop = await page.$$eval('#suite-overhead svg .mark-rect path', (ps) =>
      Math.min(...ps.map((x) => x.getBoundingClientRect().top)),
    );
    for (const c of columns) expect(c.y1, c.text ?? '').toBeLessThanOrEqual(cellsTop);
    await page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true });
    expect(fs.statSync(path.join(dir, 'screenshot.png')).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('stays small: libraries and data in one file under 3 MB', () => {
    expect(fs.statSync(path.join(out, 'index.html')).size).toBeLessThan(3 * 2 ** 20);
  });

  it('renders an interrupted experiment under an incomplete banner, and refuses a folder that is no result', async () => {
    const results = tmpDir('partial');
    writeSyntheticResults(results, { status: 'interrupted', repetitions: 1 });
    fs.appendFileSync(path.join(results, 'samples.ndjson'), '{"run":"torn');
    const r = await runCli(['report', results, '--out', tmpDir('partial-report'), '--format', 'html']);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(r.stdout.trim(), 'utf8')).toContain('Incomplete experiment (status: interrupted)');
    const bad = await runCli(['report', tmpDir('empty')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a versus results directory/);
    const fmt = await runCli(['report', results, '--format', 'pdf']);
    expect(fmt.code).toBe(2);
  });
});
