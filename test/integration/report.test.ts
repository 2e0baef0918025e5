import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/export/index.js';
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
