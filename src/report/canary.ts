// The experiment's trust section: host speed over the experiment from the drift canary
// (runs taken while the host was off its median marked) and the host fitness read before
// the runs. Pure.
import { type CanaryDrift, unsteadyHost } from '../results/canary.js';
import type { ExperimentMeta } from '../results/read.js';
import type { Figure, Table } from './html.js';
import { config, SCHEMA, type VlSpec } from './specs.js';

export function canaryFigure(d: CanaryDrift): Figure {
  const band = d.thresholdPct / 100;
  const spec: VlSpec = {
    $schema: SCHEMA,
    title: {
      text: 'Host speed over the experiment',
      subtitle: [`drift canary before each block, relative to its median; dashed: ±${d.thresholdPct}%`],
      anchor: 'start',
    },
    width: 560,
    height: 180,
    data: {
      values: d.points.map((p) => ({ ...p, number: p.index + 1, mark: p.flagged ? 'off the median' : 'as usual' })),
    },
    layer: [
      { mark: { type: 'rule', color: '#888' }, encoding: { y: { datum: 1 } } },
      { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 1 + band } } },
      { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { datum: 1 - band } } },
      {
        mark: { type: 'point', filled: true, size: 50 },
        encoding: {
          x: {
            field: 'number',
            type: 'quantitative',
            title: 'run (in the order they ran)',
            axis: { format: 'd', tickMinStep: 1 },
          },
          y: { field: 'relative', type: 'quantitative', title: 'canary ÷ median', scale: { zero: false } },
          color: {
            field: 'mark',
            type: 'nominal',
            title: null,
            scale: { domain: ['as usual', 'off the median'], range: ['#1f77b4', '#d62728'] },
          },
          tooltip: [
            { field: 'run' },
            { field: 'env' },
            { field: 'mstepsPerS', format: '.1f' },
            { field: 'relative', format: '.3f' },
          ],
        },
      },
    ],
    config,
  };
  return {
    id: 'host-speed',
    title: 'Host speed (drift canary)',
    caption: `Before each block of runs (every environment once, back to back) versus runs a fixed piece of work natively on the host, pinned to one CPU, for about 0.25 s; each run carries its block's reading. Median ${d.median.toFixed(1)} million steps a second; the host's speed ranged over ${d.rangePct.toFixed(0)}% of it. ${
      unsteadyHost(d)
        ? `Red: ${d.flagged.length} of ${d.points.length} runs were taken while the host was more than ${d.thresholdPct}% off its median — not an event but this host's normal: its speed moves that much from block to block, so single runs cannot be told apart at that resolution; trust paired ratios over many blocks and the intervals, not a single run.`
        : d.flagged.length
          ? `Red: ${d.flagged.length} run(s) taken while the host was more than ${d.thresholdPct}% off its median — treat them with care; overhead ratios paired by block cancel a slow block.`
          : `No run was taken while the host was more than ${d.thresholdPct}% off its median.`
    }`,
    spec,
  };
}

export function fitnessTable(meta: ExperimentMeta): Table | null {
  const checks = meta.hostFitness;
  if (!checks?.length) return null;
  return {
    title: 'Host fitness before the runs',
    columns: ['check', 'verdict', 'read', 'what to change'],
    rows: checks.map((c) => [c.name, c.verdict, c.value, c.advice || '–']),
    note: 'What careful benchmarkers check first (pyperf system show). versus doctor --tune sets the reversible ones; versus run never changes the host.',
  };
}
