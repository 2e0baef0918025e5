// github-action-benchmark's custom JSON: an array of { name, unit, value, range, extra }.
// The action takes one direction per file (tool: customSmallerIsBetter or
// customBiggerIsBetter), so there are two formats: each writes the rows of its direction.
import { pct } from './numbers.js';
import { type Document, type TextExporter, unsupported } from './types.js';

interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

const range = (value: number, ci: readonly [number, number] | null) =>
  ci ? { range: `± ${Math.max(value - ci[0], ci[1] - value).toPrecision(3)}` } : {};

function entries(doc: Document, worse: 'higher' | 'lower', format: string): GabEntry[] {
  if (doc.kind === 'compare')
    return doc.comparison.rows
      .filter((r) => r.worse === worse)
      .map((r) => ({
        name: `${r.scope} ${r.metric}`,
        unit: r.unit,
        value: r.candidate,
        ...range(r.candidate, r.candidateCi95),
        extra: `change ${pct(r.change)} (95% ${pct(r.ci95[0])} .. ${pct(r.ci95[1])}), ${r.verdict}, ${r.nCandidate} runs`,
      }));
  if (doc.kind === 'history-check')
    return doc.check.latest
      .filter((p) => p.worse === worse)
      .map((p) => ({
        name: `${p.series} ${p.metric}`,
        unit: p.unit,
        value: p.mean,
        ...range(p.mean, p.ci95),
        extra: p.label,
      }));
  return unsupported(format, doc);
}

function exporter(format: string, worse: 'higher' | 'lower', tool: string): TextExporter {
  return {
    format,
    description: `github-action-benchmark's custom JSON (tool: ${tool}): the rows where ${worse === 'higher' ? 'smaller' : 'bigger'} is better`,
    to: 'text',
    kinds: ['compare', 'history-check'],
    render: (doc) => JSON.stringify(entries(doc, worse, format), null, 2),
  };
}

export const githubActionBenchmark = exporter('github-action-benchmark', 'higher', 'customSmallerIsBetter');
export const githubActionBenchmarkBigger = exporter('github-action-benchmark-bigger', 'lower', 'customBiggerIsBetter');
