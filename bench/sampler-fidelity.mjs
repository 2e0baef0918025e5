#!/usr/bin/env node
// Do the samplers read the truth? The calibration workload keeps one thread busy for a
// known duty (25/50/75/100% of every 100 ms) on a 1-CPU worker in native, docker and qemu;
// each sampler's mean CPU over the busy phase (trimmed by 1 s at both ends) is compared
// with that duty. The anchor is the workload's own account (process CPU time per thread,
// from the kernel, measured in the same run). Also each source's real time resolution
// (median spacing of its samples). Host /proc/stat is compared after subtracting its own
// level in the 1.5 s before the barrier (everything booted and waiting), scaled to the worker's share of the host.
//   npm run build && scripts/with-docker.sh node bench/sampler-fidelity.mjs [--env native,docker,qemu] [--duties 25,50,75,100] [--seconds 10]
import os from 'node:os';
import { validateExperiment } from '../dist/compose/config.js';
import { runExperiment } from '../dist/orchestrator/experiment.js';
import { readSamples } from '../dist/results/store.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const envs = arg('env', 'native,docker,qemu').split(',');
const duties = arg('duties', '25,50,75,100').split(',').map(Number);
const seconds = Number(arg('seconds', '10'));
const intervalMs = Number(arg('interval', '250'));
const hostCpus = os.availableParallelism();

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const errors = new Map(); // "env source" -> [abs error against the duty]
const vsAnchor = new Map(); // "env source" -> [abs difference from the workload's own account]
const resolution = new Map(); // "env source" -> [median spacing s]
const rows = [];
const add = (m, k, v) => m.set(k, [...(m.get(k) ?? []), v]);

for (const duty of duties) {
  const e = validateExperiment(
    {
      name: `fidelity-${duty}`,
      environments: envs,
      instances: [1],
      repetitions: 1,
      warmup: 0,
      workload: { name: 'calibrate', preset: 'd50', params: { duty, seconds } },
      worker: { cpus: 1, memoryMiB: 768 },
      sampling: { intervalMs, settleMs: 2000 },
      docker: { sampling: 'both' },
      output: { dir: os.tmpdir() },
    },
    'sampler-fidelity',
  );
  const { dir, runs } = await runExperiment(e, {
    log: (m) => process.stderr.write(`${m}\n`),
    signal: new AbortController().signal,
  });
  const samples = readSamples(`${dir}/samples.ndjson`);
  for (const run of runs) {
    if (run.status !== 'ok') {
      process.stderr.write(`${run.run}: ${run.status} ${run.reason}\n`);
      continue;
    }
    const begin = run.phases.find((p) => p.phase === 'busy' && p.state === 'begin')?.t ?? 0;
    const end = run.phases.find((p) => p.phase === 'busy' && p.state === 'end')?.t ?? run.makespanS;
    const own = run.workers[0].metrics.processCpuPct;
    add(errors, `${run.env} workload's own account (anchor)`, Math.abs(own - duty));
    add(vsAnchor, `${run.env} workload's own account (anchor)`, 0);
    rows.push({ duty, env: run.env, source: "workload's own account (anchor)", pct: own });
    const mine = samples.filter((s) => s.run === run.run);
    // the host's level in the settle window just before the barrier (after boot and start-up)
    const hostBefore = mean(
      mine.filter((s) => s.source === 'host' && s.t < 0 && s.t >= -1.5).map((s) => s.user + s.system),
    );
    for (const source of [...new Set(mine.map((s) => s.source))]) {
      const during = mine.filter((s) => s.source === source && s.t >= begin + 1 && s.t <= end - 1);
      let pct = mean(during.map((s) => s.user + s.system));
      if (source === 'host') pct = ((pct - hostBefore) * hostCpus) / run.workers[0].allocCpus;
      const ts = mine
        .filter((s) => s.source === source)
        .map((s) => s.t)
        .sort((a, b) => a - b);
      add(resolution, `${run.env} ${source}`, median(ts.slice(1).map((t, i) => t - ts[i])));
      add(errors, `${run.env} ${source}`, Math.abs(pct - duty));
      add(vsAnchor, `${run.env} ${source}`, Math.abs(pct - own));
      rows.push({ duty, env: run.env, source, pct });
    }
  }
}

console.log(
  `sampler fidelity: calibration load of 1 thread on a 1-CPU worker, ${seconds} s per duty, sampling every ${intervalMs} ms, ${os.cpus()[0]?.model} (${hostCpus} CPUs)`,
);
console.log(
  `| env | source | ${duties.map((d) => `${d}%`).join(' | ')} | mean abs error (points) | vs the workload's own account | resolution s |`,
);
console.log(`|---|---|${duties.map(() => '---:').join('|')}|---:|---:|---:|`);
for (const key of errors.keys()) {
  const [env, ...rest] = key.split(' ');
  const source = rest.join(' ');
  const cells = duties.map(
    (d) => rows.find((r) => r.duty === d && r.env === env && r.source === source)?.pct.toFixed(1) ?? '–',
  );
  const res = resolution.get(key);
  console.log(
    `| ${env} | ${source} | ${cells.join(' | ')} | ${mean(errors.get(key)).toFixed(2)} | ${mean(vsAnchor.get(key)).toFixed(2)} | ${res ? median(res).toFixed(2) : ''} |`,
  );
}
