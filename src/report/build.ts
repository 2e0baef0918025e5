import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../config/errors.js';
import { writeJsonAtomic } from '../results/store.js';
import { summarize } from '../results/summary.js';
import type { SampleRecord } from '../results/types.js';
import type { Views } from '../results/views.js';
import {
  binWidth,
  bootLatency,
  cellStats,
  cpuPick,
  drillDownRuns,
  envLabel,
  memoryPick,
  overheadRatios,
  round3,
  samplerGaps,
  timeSeries,
  workerSourceOf,
} from './aggregate.js';
import { figureSources, sourceCrossCheck } from './crossCheck.js';
import { type Figure, type Page, renderHtml } from './html.js';
import type { ResultSet } from './load.js';
import { memoryRows } from './memoryTable.js';
import { svgToPng, toSvg } from './render.js';
import {
  bootSpec,
  cpuGridSpec,
  type DrillRow,
  drillDownSpec,
  makespanSpec,
  memoryGridSpec,
  ratiosSpec,
} from './specs.js';
import { crossCheckTable, memoryTable } from './tables.js';

export const FORMATS = ['html', 'svg', 'png', 'vl'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormats(text: string): Format[] {
  const out = text.split(',').map((s) => s.trim());
  for (const f of out)
    if (!(FORMATS as readonly string[]).includes(f))
      throw new UsageError(`--format: ${JSON.stringify(f)} is not one of ${FORMATS.join(', ')}`);
  return out as Format[];
}

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

interface AccelChange {
  run: string;
  from: string;
  to: string;
  reason: string;
}

function accelChanges(info: Record<string, unknown>): AccelChange[] {
  return Array.isArray(info.acceleratorChanges) ? (info.acceleratorChanges as AccelChange[]) : [];
}

/** "tcg (why)", or "kvm → tcg after run … (why)" when it changed during the experiment. */
function accelerationText(info: Record<string, unknown>): string {
  const changes = accelChanges(info);
  const path = changes.length
    ? `${changes[0]!.from} → ${info.accelerator} after run ${changes[0]!.run}`
    : info.accelerator;
  return `${String(path)} (${String(info.acceleratorReason ?? '')})`;
}

/** The figures and tables of a report, from a result set. Pure apart from the clock-free aggregation. */
export function buildPage(rs: ResultSet): Page {
  const { meta, runs, samples } = rs;
  const intervalS = (meta.experiment?.sampling?.intervalMs ?? 1000) / 1000;
  const binS = binWidth(samples, intervalS);
  const measured = runs.filter((r) => !r.warmup);
  const nOk = (env: string) => measured.filter((r) => r.env === env && r.status === 'ok').length;
  // every VM backend records its accelerator (qemu directly, vagrant through libvirt or VirtualBox)
  const vmEnvs = Object.entries((meta.environments ?? {}) as Record<string, Record<string, unknown>>).filter(
    ([, info]) => typeof info?.accelerator === 'string',
  );
  const tcg = vmEnvs.filter(([, info]) => info.accelerator === 'tcg');
  const accelText = vmEnvs.map(([env, info]) => `${env}: ${accelerationText(info)}`);
  const alloc = `${meta.experiment?.worker?.cpus ?? '?'} CPU, ${meta.experiment?.worker?.memoryMiB ?? '?'} MiB per worker`;
  const binNote =
    binS > intervalS
      ? ` Downsampled to ${binS.toFixed(2)} s bins for the page (the band keeps every bin's min and max); full data in samples.csv.`
      : '';

  // labels, colours and worker sources as the results recorded them (older results: the registry's)
  const views = meta.views as Views | undefined;
  const label = (env: string) => envLabel(env, views);
  const sources = figureSources(runs, views);
  const crossCheck = sourceCrossCheck(runs, samples, 'cgroup', 'docker-stats');
  const figures: Figure[] = [];
  // one pass over the samples per view; the drill-downs take their run's share
  const workerGaps = samplerGaps(runs, samples, 'worker', views);
  const cpuWorker = timeSeries(runs, samples, 'worker', cpuPick('worker'), binS, views);
  figures.push({
    id: 'fig6-worker',
    title: 'Fig. 6 — CPU utilization over time, workers’ own view',
    caption: `Average over the workers of each run and over the measured runs of each cell (${alloc}); the band spans the runs' min..max. Sources: ${sources}. guest = /proc/stat inside the VM; cgroup = the container's cgroup files; docker-stats = the Docker stats API; process = /proc/<pid>/stat on the host. Containers and native have no iowait of their own: their Wait CPU is the host's. % of the CPUs allocated to the worker.${binNote}`,
    spec: cpuGridSpec(cpuWorker, {
      gaps: workerGaps,
      title: 'CPU utilization, workers’ own view',
      subtitle: ['% of allocated CPUs; User / System / Wait (+ Steal when present)'],
    }),
  });
  const cpuHost = timeSeries(runs, samples, 'host', cpuPick('host'), binS, views);
  figures.push({
    id: 'fig6-host',
    title: 'Fig. 6 (host view) — CPU utilization of the physical host over time',
    caption: `The host's /proc/stat during the same runs, % of all host CPUs: what the machine paid, including hypervisor and engine overhead.${binNote}`,
    spec: cpuGridSpec(cpuHost, {
      gaps: samplerGaps(runs, samples, 'host', views),
      title: 'CPU utilization, host view',
      subtitle: ['host /proc/stat, % of all host CPUs'],
    }),
  });
  const makespan = cellStats(runs, (r) => r.makespanS, views);
  figures.push({
    id: 'fig5-makespan',
    title: 'Fig. 5 — Execution time vs number of instances',
    caption:
      'Makespan: barrier to the last worker’s result. Bars: mean of the measured runs; whiskers: 95% bootstrap interval of the mean (10 000 resamples); ✗ n: runs that failed (never counted as fast).',
    spec: makespanSpec(makespan, {
      title: 'Execution time',
      subtitle: ['mean and 95% bootstrap interval per environment and density'],
    }),
  });
  const memory = timeSeries(runs, samples, 'worker', memoryPick, binS, views);
  figures.push({
    id: 'fig7-memory',
    title: 'Fig. 7 — Memory over time',
    caption: `The workload processes' memory, the same quantity in every environment: PSS (own pages plus a fair share of shared ones) and USS (pages only they hold) from /proc/<pid>/smaps_rollup — read on the host for native and container processes, inside the guest for VMs. Results without it show each view's used memory instead (VMs: MemTotal − MemAvailable; containers: usage − inactive file; native: RSS), which are different quantities. What the host pays is in the memory table. Averaged like Fig. 6.${binNote}`,
    spec: memoryGridSpec(memory, {
      title: 'Memory',
      subtitle: ['GB, workload processes (PSS, USS)'],
      gaps: workerGaps,
    }),
  });
  const boot = cellStats(runs, bootLatency, views);
  figures.push({
    id: 'fig3-boot',
    title: 'Fig. 3 — Boot / ready latency vs number of instances',
    caption:
      'VMs: QEMU start to SSH ready (the slowest VM of the run). Containers and native: provisioning until every worker runtime printed ready. 95% bootstrap intervals.',
    spec: bootSpec(boot, { title: 'Ready latency', subtitle: ['VM boot to SSH; container / process start to ready'] }),
  });
  const ratios = overheadRatios(runs, views);
  if (ratios.length) {
    figures.push({
      id: 'overhead-ratios',
      title: 'Overhead ratios',
      caption: 'Ratio of mean makespans with a 95% bootstrap interval (both sides resampled); 1 = same speed.',
      spec: ratiosSpec(ratios, { title: 'Makespan ratios', subtitle: ['ratio of means, 95% bootstrap interval'] }),
    });
  }
  for (const run of drillDownRuns(runs, views)) {
    const source = workerSourceOf(run, views);
    const rows = drillDownRows(samples, run.run, source!, binS);
    const phases = run.phases
      .filter((p) => p.state === 'begin')
      .map((p) => ({ worker: p.worker, phase: p.phase, t: p.t }));
    figures.push({
      id: `drill-${run.env}`,
      title: `Per worker — ${label(run.env)}, run ${run.run}`,
      caption: `Every worker of one run (${run.instances} instances), unaveraged, with the workload's phase starts (generate, load, build, iterate, result) as dashed lines. Source: ${source}.`,
      spec: drillDownSpec(rows, phases, {
        gaps: workerGaps.filter((g) => g.run === run.run),
        title: `${label(run.env)}: ${run.run}`,
        subtitle: ['per worker, % of allocated CPUs'],
      }),
    });
  }

  const cells = summarize(runs, samples);
  const ciOf = new Map(makespan.map((c) => [`${c.env}\0${c.instances}`, c]));
  const bootOf = new Map(boot.map((c) => [`${c.env}\0${c.instances}`, c]));
  const warnings: string[] = [];
  if (tcg.length)
    warnings.push(
      `VMs (${tcg.map(([env]) => env).join(', ')}) ran under TCG software emulation (${String(tcg[0]![1].acceleratorReason ?? 'no usable KVM')}): VM timings are those of an emulator, not of a hardware hypervisor.`,
    );
  for (const [env, info] of vmEnvs) {
    for (const c of accelChanges(info))
      warnings.push(
        `${env}: switched from ${c.from.toUpperCase()} to ${c.to.toUpperCase()} after run ${c.run} failed (${c.reason}); runs.ndjson records the accelerator of every run.`,
      );
  }
  if (!crossCheck.length && samples.some((s) => s.source === 'docker-stats'))
    warnings.push(
      'No sampler cross-check: the Docker stats API sends a frame a second and these container runs are too short to hold two frames; longer runs (a bigger preset or more iterations) get the cgroup-vs-stats table.',
    );
  const failed = measured.filter((r) => r.status !== 'ok');
  if (failed.length)
    warnings.push(
      `${failed.length} of ${measured.length} measured runs failed; they are excluded from every statistic and marked ✗ in Fig. 5.`,
    );
  const allocs = new Set(runs.flatMap((r) => r.workers.map((w) => `${w.allocCpus}/${w.memoryBytes}`)));
  if (allocs.size > 1)
    warnings.push(`Workers had unequal allocations (${[...allocs].join(', ')} CPUs/bytes): compare with care.`);
  for (const env of meta.experiment?.environments ?? [])
    if (nOk(env) === 0) warnings.push(`No successful measured run for ${env}.`);
  if (rs.incomplete)
    warnings.push(
      `The experiment is ${meta.status ?? 'incomplete'}: this report shows what was written before it stopped.`,
    );

  const image = meta.image;
  return {
    title: `versus report — ${rs.name}`,
    banner: rs.incomplete
      ? `Incomplete experiment (status: ${meta.status ?? 'unknown'}): runs and samples written before it stopped are shown.`
      : null,
    warnings,
    tables: [
      {
        title: 'Summary',
        columns: [
          'environment',
          'instances',
          'ok',
          'failed',
          'makespan s (mean)',
          '95% CI',
          'median',
          'sd',
          'edges/s',
          'CPU % of allocation',
          'ready s',
        ],
        rows: cells.map((c) => {
          const ci = ciOf.get(`${c.env}\0${c.instances}`);
          return [
            label(c.env),
            c.instances,
            c.ok,
            c.failed,
            fmt(c.makespanS?.mean),
            ci?.lo !== null && ci?.lo !== undefined ? `${fmt(ci.lo)} – ${fmt(ci.hi)}` : '–',
            fmt(c.makespanS?.median),
            fmt(c.makespanS?.stdev),
            c.edgesPerSecond ? c.edgesPerSecond.mean.toExponential(2) : '–',
            fmt(c.meanCpuPct, 1),
            fmt(bootOf.get(`${c.env}\0${c.instances}`)?.mean, 2),
          ];
        }),
      },
      memoryTable(memoryRows(runs, samples, views), label),
      ...(crossCheck.length ? [crossCheckTable(crossCheck, label)] : []),
      {
        title: 'Set-up time (as the paper’s Table I)',
        columns: ['step', 'seconds'],
        rows: [
          ['worker image build (debootstrap, once, cached)', fmt(image?.buildSeconds, 0)],
          ...boot.map(
            (b) => [`start ${b.instances} × ${b.envLabel} to ready (mean)`, fmt(b.mean, 2)] as [string, string],
          ),
        ],
        note: 'One Debian userland serves containers, VMs and the native baseline; the image is built once and reused while its inputs are unchanged.',
      },
    ],
    figures,
    methodology: [
      {
        label: 'experiment',
        value: `${rs.name} (${meta.experimentId ?? '?'}), ${meta.startedAt ?? '?'} → ${meta.finishedAt ?? '—'}, status ${meta.status ?? '?'}`,
      },
      {
        label: 'workload',
        value: `${meta.workload?.name ?? '?'} preset ${meta.workload?.preset ?? '?'}: ${JSON.stringify(meta.workload?.params ?? {})}`,
      },
      {
        label: 'matrix',
        value: `environments ${JSON.stringify(meta.experiment?.environments)}, instances ${JSON.stringify(meta.experiment?.instances)}, ${meta.experiment?.repetitions ?? '?'} repetitions, ${meta.experiment?.warmup ?? 0} warm-up, ${alloc}, sampling every ${intervalS} s`,
      },
      {
        label: 'machine',
        value: `${meta.host?.cpu?.brand ?? '?'}, ${meta.host?.cpu?.cores ?? '?'} CPUs, ${fmt((meta.host?.memoryBytes ?? Number.NaN) / 2 ** 30, 1)} GiB, ${meta.host?.os?.distro ?? ''} ${meta.host?.os?.release ?? ''}, kernel ${meta.host?.os?.kernel ?? '?'}`,
      },
      {
        label: 'accelerator',
        value: accelText.length ? accelText.join('; ') : 'no VMs in this experiment',
      },
      {
        label: 'worker image',
        value: image ? `${image.hash ?? '?'} (node ${image.node ?? '?'}, kernel ${image.kernel ?? '?'})` : '—',
      },
      { label: 'environments', value: JSON.stringify(meta.environments ?? {}, null, 1) },
      ...Object.entries(meta.formulas ?? {}).map(([k, v]) => ({ label: `CPU formula (${k})`, value: v })),
    ],
    failures: failed.map((r) => `${r.run}: ${r.reason ?? 'failed'}`),
  };
}

/** One run's worker-view samples per worker, binned like the grids (mean per bin). */
export function drillDownRows(samples: readonly SampleRecord[], run: string, source: string, binS: number): DrillRow[] {
  const bins = new Map<string, { worker: string; bin: number; series: string; sum: number; n: number }>();
  const pick = cpuPick('worker');
  for (const s of samples) {
    if (s.run !== run || s.source !== source) continue;
    const bin = Math.floor(s.t / binS);
    for (const [series, value] of Object.entries(pick(s, undefined))) {
      if (value === null) continue;
      const key = `${s.worker}\0${bin}\0${series}`;
      const b = bins.get(key) ?? { worker: s.worker, bin, series, sum: 0, n: 0 };
      b.sum += value;
      b.n++;
      bins.set(key, b);
    }
  }
  return [...bins.values()].map((b) => ({
    kind: 'sample' as const,
    worker: b.worker,
    t: round3((b.bin + 0.5) * binS),
    series: b.series,
    value: round3(b.sum / b.n),
  }));
}

export interface ReportOutput {
  dir: string;
  html: string | null;
  files: string[];
}

/** Writes the report: one HTML page, and per figure .vl.json, .svg and .png as asked. */
export async function writeReport(
  rs: ResultSet,
  outDir: string,
  formats: readonly Format[] = FORMATS,
): Promise<ReportOutput> {
  const page = buildPage(rs);
  fs.mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (const fig of page.figures) {
    const base = path.join(outDir, fig.id);
    if (formats.includes('vl')) {
      writeJsonAtomic(`${base}.vl.json`, fig.spec);
      files.push(`${base}.vl.json`);
    }
    if (formats.includes('svg') || formats.includes('png')) {
      const svg = await toSvg(fig.spec);
      if (formats.includes('svg')) {
        fs.writeFileSync(`${base}.svg`, svg);
        files.push(`${base}.svg`);
      }
      if (formats.includes('png')) {
        fs.writeFileSync(`${base}.png`, svgToPng(svg));
        files.push(`${base}.png`);
      }
    }
  }
  let html: string | null = null;
  if (formats.includes('html')) {
    html = path.join(outDir, 'index.html');
    fs.writeFileSync(html, renderHtml(page));
    files.push(html);
  }
  return { dir: outDir, html, files };
}
