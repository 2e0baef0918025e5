import { canaryDrift, unsteadyHost } from '../results/canary.js';
import { machineWarning } from '../results/machines.js';
import { defsOf, metricDefs, workloadOf } from '../results/metrics.js';
import { type ResultSet, workloadsOf } from '../results/read.js';
import { type StatsByRun, statsByRun } from '../results/sampleStats.js';
import { type AcceleratorFacts, acceleratorFacts, type RunRecord } from '../results/types.js';
import type { Views } from '../results/views.js';
import { UNRECORDED_INTERVAL_MS } from '../sampling/types.js';
import { canaryFigure, fitnessTable } from './canary.js';
import { duckSamples } from './duckSamples.js';
import type { Page, Table } from './html.js';
import { networkTables } from './network.js';
import { publishedComparisons, publishedTable, publishedWarning } from './published.js';
import type { SectionSamples } from './sampleSource.js';
import { memorySamples } from './sampleSource.js';
import { workloadSection } from './section.js';
import { suiteOverview } from './suite.js';

export { drillDownRows } from './aggregate.js';

const fmt = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);

/** "tcg (why)", or "kvm → tcg after run … (why)" when it changed during the experiment. */
function accelerationText(info: AcceleratorFacts): string {
  const changes = info.acceleratorChanges ?? [];
  const path = changes.length
    ? `${changes[0]!.from} → ${info.accelerator} after run ${changes[0]!.run}`
    : info.accelerator;
  return `${path} (${info.acceleratorReason ?? ''})`;
}

/** What a page needs of the samples: per-run statistics, and each workload section's aggregates. */
export interface PageSamples {
  stats: StatsByRun;
  sections: Map<string, SectionSamples>;
}

/** The workload ids of a result set's sections ('' for one section: results of one workload, or before suites). */
function sectionIds(runs: readonly RunRecord[]): string[] {
  const ids = [...new Set(runs.map(workloadOf))];
  return ids.length <= 1 ? [ids[0] ?? ''] : ids;
}

const runsOf = (runs: readonly RunRecord[], id: string, single: boolean) =>
  single ? runs : runs.filter((r) => workloadOf(r) === id);

/** Asks the result set's sample source for everything the page draws. */
export async function collectPageSamples(rs: ResultSet): Promise<PageSamples> {
  const intervalS = (rs.meta.experiment?.sampling?.intervalMs ?? UNRECORDED_INTERVAL_MS) / 1000;
  const views = rs.meta.views as Views | undefined;
  const ids = sectionIds(rs.runs);
  const source = rs.samples.kind === 'parquet' ? duckSamples(rs.samples.duck) : memorySamples(rs.samples.rows);
  const sections = new Map<string, SectionSamples>();
  for (const id of ids) sections.set(id, await source.section(runsOf(rs.runs, id, ids.length === 1), intervalS, views));
  return { stats: statsByRun(await rs.samples.stats(rs.runs)), sections };
}

/** The figures and tables of a report, from a result set and its sample aggregates: one section per workload, a suite overview above them. Pure. */
export function buildPage(rs: Omit<ResultSet, 'samples'>, data: PageSamples): Page {
  const { meta, runs } = rs;
  const intervalS = (meta.experiment?.sampling?.intervalMs ?? UNRECORDED_INTERVAL_MS) / 1000;
  const measured = runs.filter((r) => !r.warmup);
  const nOk = (env: string) => measured.filter((r) => r.env === env && r.status === 'ok').length;
  // every VM backend records its accelerator (qemu directly, vagrant through libvirt or VirtualBox)
  const vmEnvs = Object.entries(meta.environments ?? {}).flatMap(([env, info]) => {
    const facts = acceleratorFacts(info);
    return facts ? [[env, facts] as const] : [];
  });
  const tcg = vmEnvs.filter(([, info]) => info.accelerator === 'tcg');
  const accelText = vmEnvs.map(([env, info]) => `${env}: ${accelerationText(info)}`);
  const alloc = `${meta.experiment?.worker?.cpus ?? '?'} CPU, ${meta.experiment?.worker?.memoryMiB ?? '?'} MiB per worker`;
  const views = meta.views as Views | undefined;

  const workloads = workloadsOf(meta);
  const defs = metricDefs(workloads);
  const ids = sectionIds(runs);
  const single = ids.length === 1;
  const parts = ids.map((id) => {
    const mine = { meta, runs: runsOf(runs, id, single) };
    const prefix = single ? '' : `${id.replace(/[^\w-]/g, '_')}-`;
    return { id, section: workloadSection(mine, data.sections.get(id)!, data.stats, defsOf(defs, id), prefix) };
  });
  const sections = parts.map((p) => p.section);
  const overview = single ? null : suiteOverview(runs, defs, views);

  const warnings: string[] = rs.skipped.map((s) => `Left out: ${s}.`);
  if (tcg.length)
    warnings.push(
      `VMs (${tcg.map(([env]) => env).join(', ')}) ran under TCG software emulation (${String(tcg[0]![1].acceleratorReason ?? 'no usable KVM')}): VM timings are those of an emulator, not of a hardware hypervisor.`,
    );
  for (const [env, info] of vmEnvs) {
    for (const c of info.acceleratorChanges ?? [])
      warnings.push(
        `${env}: switched from ${c.from.toUpperCase()} to ${c.to.toUpperCase()} after run ${c.run} failed (${c.reason}); runs.ndjson records the accelerator of every run.`,
      );
  }
  if (sections.some((x) => x.noCrossCheck))
    warnings.push(
      'No sampler cross-check: these container runs are too short to hold two Docker stats frames (the stats collector of the engine gives about one a second, polled or streamed); longer runs (a bigger preset or more iterations) get the cgroup-vs-stats table.',
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

  const drift = canaryDrift(runs);
  if (drift && unsteadyHost(drift))
    warnings.push(
      `The host's speed moved more than ${drift.thresholdPct}% from block to block in ${drift.flagged.length} of ${drift.points.length} runs (drift canary, range ${drift.rangePct.toFixed(0)}% of its median): single runs on this host cannot be told apart at that resolution.`,
    );
  else if (drift?.flagged.length)
    warnings.push(
      `${drift.flagged.length} run(s) were taken while the host was more than ${drift.thresholdPct}% off its usual speed (drift canary): ${drift.flagged.join(', ')}.`,
    );
  const machines = machineWarning(measured);
  if (machines) warnings.push(`${machines}.`);
  const published = publishedComparisons(runs, defs, workloads, views);
  const outsideLiterature = publishedWarning(published, views);
  if (outsideLiterature) warnings.push(outsideLiterature);
  const publishedRatios = publishedTable(published, views);
  const trustFigures = drift ? [canaryFigure(drift)] : [];
  const fitness = fitnessTable(meta);
  const image = meta.image;
  const setup = setupTable(
    image?.buildSeconds,
    parts.map((p) => ({ workload: p.id, boot: p.section.boot })),
  );
  return {
    title: `versus report — ${rs.name}`,
    banner: rs.incomplete
      ? `Incomplete experiment (status: ${meta.status ?? 'unknown'}): runs and samples written before it stopped are shown.`
      : null,
    warnings,
    tables: single ? sections[0]!.tables : overview!.tables,
    figures: [...(single ? sections[0]!.figures : overview!.figures), ...trustFigures],
    tablesAfter: [
      ...networkTables(runs, defs, views, workloads),
      ...(publishedRatios ? [publishedRatios] : []),
      setup,
      ...(fitness ? [fitness] : []),
    ],
    sections: single
      ? []
      : parts.map(({ id, section }) => {
          const w = workloads.find((x) => x.id === id);
          return {
            id: `workload-${id.replace(/[^\w-]/g, '_')}`,
            title: `Workload ${id}`,
            intro: w ? `${w.name} preset ${w.preset}${w.description ? ` — ${w.description}` : ''}` : '',
            tables: section.tables,
            figures: section.figures,
          };
        }),
    methodology: [
      {
        label: 'experiment',
        value: `${rs.name} (${meta.experimentId ?? '?'}), ${meta.startedAt ?? '?'} → ${meta.finishedAt ?? '—'}, status ${meta.status ?? '?'}`,
      },
      ...workloads.map((w) => ({
        label: `workload ${w.id}`,
        value: `${w.name} v${w.version} preset ${w.preset}: ${JSON.stringify(w.params)}; verification: ${w.verification}; metrics: ${Object.entries(
          w.metrics,
        )
          .map(([n, m]) => `${n} (${m.unit}, ${m.better} is better)`)
          .join(', ')}`,
      })),
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
      {
        label: 'sampling cost',
        value: `every ${intervalS} s; per container about 0.9 ms of host CPU per 100 ms (host sampler, cgroup files, a Docker stats frame), under 1% of one CPU; inside a VM the guest loop about 0.5% of the guest's vCPU; 10x less at 1 s (bench/sampling-cost.mjs, docs/statistics.md#the-observer-effect)`,
      },
      { label: 'environments', value: JSON.stringify(meta.environments ?? {}, null, 1) },
      ...Object.entries(meta.formulas ?? {}).map(([k, v]) => ({ label: `CPU formula (${k})`, value: v })),
    ],
    failures: failed.map((r) => `${r.run}: ${r.reason ?? 'failed'}`),
  };
}

/** The page of a result set, its samples aggregated by whichever source it has. */
export async function pageOf(rs: ResultSet): Promise<Page> {
  return buildPage(rs, await collectPageSamples(rs));
}

/** The paper's Table I: the image build once, then each workload's start to ready (named when there are several). Pure. */
function setupTable(
  buildSeconds: number | undefined,
  boots: readonly { workload: string; boot: readonly { instances: number; envLabel: string; mean: number | null }[] }[],
): Table {
  const several = boots.length > 1;
  const rows = boots.flatMap(({ workload, boot }) =>
    boot.map((b) => [
      ...(several ? [workload] : []),
      `start ${b.instances} × ${b.envLabel} to ready (mean)`,
      fmt(b.mean, 2),
    ]),
  );
  return {
    title: 'Set-up time (as the paper’s Table I)',
    columns: [...(several ? ['workload'] : []), 'step', 'seconds'],
    rows: [
      [...(several ? ['–'] : []), 'worker image build (debootstrap, once, cached)', fmt(buildSeconds, 0)],
      ...rows,
    ],
    note: 'One Debian userland serves containers, VMs and the native baseline; the image is built once and reused while its inputs are unchanged.',
  };
}
