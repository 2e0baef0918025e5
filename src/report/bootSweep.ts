// A boot sweep's report: Fig. 3 (the time until N instances started one after another are
// ready) and Fig. 4 (the host's memory against idle instances, its slope per instance with a
// 95% interval), each beside the paper's numbers. Pure: boot.ndjson's records in, a Page out.
import type { BootInstanceRecord, BootSweep } from '../results/bootSweep.js';
import { type Views, viewOf } from '../results/views.js';
import { linearFit } from '../stats/linear.js';
import type { Page, Table } from './html.js';
import { config, SCHEMA, type VlSpec } from './specs.js';

const GIB = 2 ** 30;
const MIB = 2 ** 20;

/** The paper's Fig. 3 and 4 (Zhang et al., 24 GB host): seconds to start N instances, GB per idle instance. */
export const PAPER_BOOT = {
  containerS: { 256: 479, 512: 987 } as Record<number, number>,
  vmS: { 256: 24295 } as Record<number, number>,
  vmFailsAt: 512,
  containerGbPerInstance: 0.03,
  vmGbPerInstance: 0.23,
};

export interface SweepSummary {
  env: string;
  label: string;
  reached: number;
  target: number;
  stopped: string | null;
  /** host memory per idle instance: the slope of MemTotal − MemAvailable over instances, bytes */
  slopeBytes: number | null;
  slopeCi95Bytes: number | null;
  /** the mean of what the host pays per instance by its host-side view */
  ownMeanBytes: number | null;
  meanReadyS: number | null;
}

/** Per environment: how far it got and its memory per instance. Pure. */
export function summarizeSweep(s: BootSweep, views?: Views): SweepSummary[] {
  return s.envs.map((env) => {
    const xs = s.instances.get(env) ?? [];
    const base = s.baselines.get(env);
    const points: [number, number][] = [...(base ? [[0, base.hostMemUsedBytes] as [number, number]] : [])];
    for (const r of xs) points.push([r.instance, r.hostMemUsedBytes]);
    const fit = linearFit(points);
    const own = xs.map((r) => r.instanceMemBytes).filter((x): x is number => x !== null);
    const end = s.ends.get(env);
    return {
      env,
      label: viewOf(env, views).label,
      reached: end?.reached ?? xs.length,
      target: end?.target ?? xs.length,
      stopped: end ? end.stopped : 'no end record (the sweep was killed?)',
      slopeBytes: fit?.slope ?? null,
      slopeCi95Bytes: fit?.slopeCi95 ?? null,
      ownMeanBytes: own.length ? own.reduce((a, b) => a + b, 0) / own.length : null,
      meanReadyS: xs.length ? xs.reduce((a, r) => a + r.readyS, 0) / xs.length : null,
    };
  });
}

const fmt = (x: number | null, digits: number, unit = '') => (x === null ? '–' : `${x.toFixed(digits)}${unit}`);

/** The sweep's page. Pure. */
export function bootSweepPage(
  s: BootSweep,
  meta: { views?: Views; steps: number[]; title: string; facts: { label: string; value: string }[] },
): Page {
  const summary = summarizeSweep(s, meta.views);
  const rows = s.envs.flatMap((env) => (s.instances.get(env) ?? []).map((r) => pointOf(r, viewOf(env, meta.views))));
  const atSteps = rows.filter((r) => meta.steps.includes(r.instances));
  const table: Table = {
    title: 'Per environment: how far, how fast, how much memory per idle instance',
    columns: [
      'environment',
      'ready / target',
      'stopped',
      'mean ready per instance (s)',
      'host memory per instance (MiB, ±95%)',
      'own host-side view (MiB, mean)',
      'paper (GB per instance)',
    ],
    rows: summary.map((x) => [
      x.label,
      `${x.reached} / ${x.target}`,
      x.stopped ?? '–',
      fmt(x.meanReadyS, 2),
      x.slopeBytes === null
        ? '–'
        : `${fmt(x.slopeBytes / MIB, 1)}${x.slopeCi95Bytes === null ? '' : ` ± ${fmt(x.slopeCi95Bytes / MIB, 1)}`}`,
      x.ownMeanBytes === null ? '–' : fmt(x.ownMeanBytes / MIB, 1),
      paperGb(viewOf(x.env, meta.views).kind),
    ]),
    note: `The paper (24 GB host): ${PAPER_BOOT.containerGbPerInstance} GB per idle container, ${PAPER_BOOT.vmGbPerInstance} GB per idle VM; 256 instances ready after ${PAPER_BOOT.containerS[256]} s as containers and ${PAPER_BOOT.vmS[256]} s as VMs, VMs fail at ${PAPER_BOOT.vmFailsAt}. Host memory per instance is the least-squares slope of MemTotal − MemAvailable over the instances started (the host before the first as instance 0), with the 95% interval of the slope.`,
  };
  return {
    title: meta.title,
    banner: null,
    warnings: [
      ...s.skipped,
      ...summary.filter((x) => x.stopped).map((x) => `${x.label}: stopped at ${x.reached}: ${x.stopped}`),
    ],
    tables: [table],
    figures: [
      {
        id: 'fig3-boot',
        title: 'Fig. 3: time until N instances are ready, started one after another',
        caption: `Seconds from the first instance's start to the N-th ready (its runtime started and at the barrier), at the sweep's points; log scale. Black ticks: the paper's (containers ${PAPER_BOOT.containerS[256]} s and VMs ${PAPER_BOOT.vmS[256]} s at 256, containers ${PAPER_BOOT.containerS[512]} s at 512).`,
        spec: fig3Spec(atSteps),
      },
      {
        id: 'fig4-memory',
        title: 'Fig. 4: host memory against idle instances',
        caption:
          "The host's MemTotal − MemAvailable once each instance was ready and idle (instance 0: before the first). The slope per instance, with its interval, is in the table.",
        spec: fig4Spec(rows, s, meta.views),
      },
    ],
    methodology: meta.facts,
    failures: [],
  };
}

function paperGb(kind: string): string {
  if (kind === 'container') return String(PAPER_BOOT.containerGbPerInstance);
  if (kind === 'vm') return String(PAPER_BOOT.vmGbPerInstance);
  return '–';
}

interface Point {
  envLabel: string;
  color: string;
  instances: number;
  cumulativeS: number;
  readyS: number;
  hostMemGiB: number;
}

function pointOf(r: BootInstanceRecord, view: { label: string; color: string }): Point {
  return {
    envLabel: view.label,
    color: view.color,
    instances: r.instance,
    cumulativeS: r.cumulativeS,
    readyS: r.readyS,
    hostMemGiB: r.hostMemUsedBytes / GIB,
  };
}

function colorOf(rows: readonly { envLabel: string; color: string }[]) {
  const present = [...new Map(rows.map((r) => [r.envLabel, r.color])).entries()];
  return {
    field: 'envLabel',
    type: 'nominal',
    title: null,
    scale: { domain: present.map(([l]) => l), range: present.map(([, c]) => c) },
  };
}

function fig3Spec(rows: readonly Point[]): VlSpec {
  const paper = [
    ...Object.entries(PAPER_BOOT.containerS).map(([n, s]) => ({
      instances: Number(n),
      seconds: s,
      who: 'paper: containers',
    })),
    ...Object.entries(PAPER_BOOT.vmS).map(([n, s]) => ({ instances: Number(n), seconds: s, who: 'paper: VMs' })),
  ];
  const x = { field: 'instances', type: 'ordinal', title: 'Number of instances', axis: { labelAngle: 0 } };
  // a log axis has no zero: the bars stand on the decade below the smallest value
  const floor = 10 ** Math.floor(Math.log10(Math.min(...rows.map((r) => r.cumulativeS).filter((v) => v > 0), 1)));
  return {
    $schema: SCHEMA,
    width: 480,
    height: 240,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar', opacity: 0.85 },
        encoding: {
          x,
          xOffset: { field: 'envLabel' },
          y: {
            field: 'cumulativeS',
            type: 'quantitative',
            title: 'Time (s)',
            scale: { type: 'log', domainMin: floor },
          },
          y2: { datum: floor },
          color: colorOf(rows),
          tooltip: [
            { field: 'envLabel', title: 'environment' },
            { field: 'instances' },
            { field: 'cumulativeS', format: '.1f' },
          ],
        },
      },
      {
        data: { values: paper.filter((p) => rows.some((r) => r.instances === p.instances)) },
        mark: { type: 'tick', color: '#000', thickness: 2 },
        encoding: {
          x,
          y: { field: 'seconds', type: 'quantitative' },
          tooltip: [{ field: 'who' }, { field: 'seconds' }],
        },
      },
    ],
    config,
  };
}

function fig4Spec(rows: readonly Point[], s: BootSweep, views?: Views): VlSpec {
  const zero = s.envs.flatMap((env) => {
    const b = s.baselines.get(env);
    const v = viewOf(env, views);
    return b ? [{ envLabel: v.label, color: v.color, instances: 0, hostMemGiB: b.hostMemUsedBytes / GIB }] : [];
  });
  const values = [...zero, ...rows];
  return {
    $schema: SCHEMA,
    data: { values },
    width: 420,
    height: 240,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'instances', type: 'quantitative', title: 'Idle instances started' },
      y: { field: 'hostMemGiB', type: 'quantitative', title: 'Host memory used (GiB)', scale: { zero: false } },
      color: colorOf(values),
      tooltip: [
        { field: 'envLabel', title: 'environment' },
        { field: 'instances' },
        { field: 'hostMemGiB', format: '.3f' },
      ],
    },
    config,
  };
}
