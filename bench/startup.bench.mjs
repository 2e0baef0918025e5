// Start-up of the CLI against `node -e 0` in the same run, interleaved (this machine's
// speed drifts): wall time and peak RSS of `versus --version`, `--help`, a refused flag of
// the top level and of `run`. Goal (issue: start-up): under 150 ms and 60 MB where the anchor
// takes about 100 ms and 40 MB. Needs `npm run build` and GNU time (/usr/bin/time); VERSUS_CLI=<path>
// measures another build (an older checkout) the same way.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const CLI = process.env.VERSUS_CLI ?? path.resolve(import.meta.dirname, '../dist/cli.js');
const cases = [
  ['node -e 0 (anchor)', ['-e', '0']],
  ['versus --version', [CLI, '--version']],
  ['versus --help', [CLI, '--help']],
  ['versus --bogus (refused)', [CLI, '--bogus']],
  ['versus run --bogus (refused)', [CLI, 'run', '--bogus']],
  ['versus report --help', [CLI, 'report', '--help']],
];
const rounds = Number(process.env.ROUNDS ?? 15);
const runs = new Map(cases.map(([name]) => [name, []]));

for (let r = 0; r < rounds; r++)
  for (const [name, args] of cases) {
    const out = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { encoding: 'utf8' });
    const [wall, kb] = out.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    runs.get(name).push({ ms: wall * 1000, mb: kb / 1024 });
  }

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const anchor = median(runs.get(cases[0][0]).map((x) => x.ms));
console.log(`${rounds} interleaved rounds; median wall and peak RSS\n`);
console.log('case                           wall ms  x anchor  RSS MB');
for (const [name] of cases) {
  const xs = runs.get(name);
  const ms = median(xs.map((x) => x.ms));
  const mb = median(xs.map((x) => x.mb));
  console.log(
    `${name.padEnd(30)} ${ms.toFixed(0).padStart(7)}  ${(ms / anchor).toFixed(2).padStart(8)}  ${mb.toFixed(0).padStart(6)}`,
  );
}
