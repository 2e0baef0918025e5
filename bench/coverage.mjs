// The coverage table of docs/statistics.md: how often each interval labelled 95% covers
// the truth, by simulation (src/stats/coverage.ts), beside the percentile bootstrap of
// the mean versus used before (its interval of 3 values is their range).
//   node bench/coverage.mjs [--trials 20000]
import { COVERAGE_CASES, simulateCoverage } from '../dist/stats/coverage.js';
import { gaussian, mulberry32 } from '../dist/stats/random.js';
import { argOf } from './lib.mjs';

const trials = Number(argOf('trials', '20000'));

/** The old interval: percentile bootstrap of the mean, 1000 resamples. */
function bootstrapCoverage({ shape, spread, n }, runs) {
  const rand = mulberry32(99);
  const draw = () => {
    if (shape === 'lognormal') return 10 * Math.exp(spread * gaussian(rand) - (spread * spread) / 2);
    for (;;) {
      const x = 10 * (1 + spread * gaussian(rand));
      if (x > 0) return x;
    }
  };
  let hit = 0;
  for (let t = 0; t < runs; t++) {
    const xs = Array.from({ length: n }, draw);
    const means = Array.from({ length: 1000 }, () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs[Math.floor(rand() * n)];
      return s / n;
    }).sort((a, b) => a - b);
    if (means[24] <= 10 && 10 <= means[974]) hit++;
  }
  return hit / runs;
}

const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(
  "| data | n | mean (log-t) | ratio of means, compare's change, history's step (log-t, Welch) | paired ratio (log-t over blocks) | overhead change, paired | overhead change, unpaired | before: percentile bootstrap of the mean |",
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const c of COVERAGE_CASES) {
  const r = simulateCoverage(c, trials, 2026);
  const label = c.shape === 'normal' ? `normal, CV ${c.spread * 100}%` : `log-normal, σ ${c.spread}`;
  console.log(
    `| ${label} | ${c.n} | ${pct(r.mean)} | ${pct(r.ratio)} | ${pct(r.paired)} | ${pct(r.pairedChange)} | ${pct(r.ratioChange)} | ${pct(bootstrapCoverage(c, Math.min(trials, 4000)))} |`,
  );
}
console.log(`\n${trials} trials a cell (the bootstrap: ${Math.min(trials, 4000)}), seed 2026.`);
