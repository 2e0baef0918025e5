import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { escapeHtml, jsonForScript, scriptSafe } from './escape.js';
import type { VlSpec } from './specs.js';

const require = createRequire(import.meta.url);

/** The folder of an installed package (their exports maps hide the build files from require.resolve). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (dir !== path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === name) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the ${name} package`);
}

/** vega, vega-lite and vega-embed from node_modules, inlined: the page needs no network. */
function libraries(): string {
  const files: [string, string][] = [
    ['vega', 'build/vega.min.js'],
    ['vega-lite', 'build/vega-lite.min.js'],
    ['vega-embed', 'build/vega-embed.min.js'],
  ];
  return files
    .map(([pkg, f]) => `<script>${scriptSafe(fs.readFileSync(path.join(packageDir(pkg), f), 'utf8'))}</script>`)
    .join('\n');
}

export interface Figure {
  id: string;
  title: string;
  caption: string;
  spec: VlSpec;
}

export interface Table {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  note?: string;
}

export interface Section {
  id: string;
  title: string;
  intro: string;
  tables: Table[];
  figures: Figure[];
}

export interface Page {
  title: string;
  banner: string | null;
  warnings: string[];
  tables: Table[];
  figures: Figure[];
  /** tables after the figures: the network section, the set-up */
  tablesAfter?: Table[];
  /** a suite's workloads, one section each, after the overview */
  sections?: Section[];
  methodology: { label: string; value: string }[];
  failures: string[];
}

function table(t: Table): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${escapeHtml(t.title)}</h2>\n<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : ''}`;
}

/** One self-contained HTML file: opens from file:// with no network. */
export function renderHtml(page: Page): string {
  const sections = page.sections ?? [];
  const allFigures = [...page.figures, ...sections.flatMap((s) => s.figures)];
  const specs = Object.fromEntries(allFigures.map((f) => [f.id, f.spec]));
  const figureHtml = (figs: readonly Figure[]) =>
    figs
      .map(
        (f) =>
          `<section class="figure"><h2>${escapeHtml(f.title)}</h2><div class="chart" id="${escapeHtml(f.id)}"></div><p class="caption">${escapeHtml(f.caption)}</p></section>`,
      )
      .join('\n');
  const figures = figureHtml(page.figures);
  const sectionHtml = sections
    .map(
      (s) =>
        `<section class="workload" id="${escapeHtml(s.id)}"><h1>${escapeHtml(s.title)}</h1><p class="note">${escapeHtml(s.intro)}</p>\n${s.tables.map(table).join('\n')}\n${figureHtml(s.figures)}</section>`,
    )
    .join('\n');
  const toc = sections.length
    ? `<nav><h2>Workloads</h2><ul>${sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('')}</ul></nav>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(page.title)}</title>
<style>
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; } td, th { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.banner { background: #fff3cd; border: 1px solid #e0b000; padding: 0.6rem 1rem; font-weight: bold; }
.warnings li { color: #8a4b00; } .caption, .note { color: #555; font-size: 0.85rem; max-width: 900px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; font-size: 0.85rem; } dt { font-weight: bold; } dd { margin: 0; white-space: pre-wrap; font-family: monospace; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${page.banner ? `<p class="banner" id="banner">${escapeHtml(page.banner)}</p>` : ''}
${page.warnings.length ? `<ul class="warnings" id="warnings">${page.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
${toc}
${page.tables.map(table).join('\n')}
${figures}
${(page.tablesAfter ?? []).map(table).join('\n')}
${sectionHtml}
${page.failures.length ? `<h2>Failed runs</h2><ul id="failures">${page.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>` : ''}
<h2>Methodology</h2>
<dl>${page.methodology.map((m) => `<dt>${escapeHtml(m.label)}</dt><dd>${escapeHtml(m.value)}</dd>`).join('\n')}</dl>
${libraries()}
<script>
const specs = ${jsonForScript(specs)};
const rendered = [];
for (const [id, spec] of Object.entries(specs)) {
  rendered.push(vegaEmbed('#' + id, spec, { renderer: 'svg', actions: { export: true, source: true, compiled: false, editor: false } })
    .then(() => document.getElementById(id).setAttribute('data-rendered', 'true')));
}
Promise.all(rendered).then(() => document.body.setAttribute('data-charts', 'ready'), (e) => { document.body.setAttribute('data-charts', 'error'); console.error(e); });
</script>
</body>
</html>
`;
}
