// The test suite in two lanes, then one plain line, "tests: N passed, N failed, N skipped",
// that CI log readers understand. The engines' lane (project `integration`: real engines and
// VMs, one file at a time) starts once the worker image is built; the other lane (projects
// `unit` and `files`: nothing of an engine's) runs meanwhile, beside the image build and
// then beside the engines' tests, its output printed whole after theirs. Arguments go to
// both vitest runs (a file filter runs what it matches in either lane).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-vitest-'));
const args = process.argv.slice(2);

/** A child's exit code (1 when it could not run); its output to the terminal, or kept to print later. */
function run(cmd, argv, keep = null) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: keep ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (keep) {
      const out = fs.createWriteStream(keep);
      child.stdout.pipe(out);
      child.stderr.pipe(out);
    }
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const vitest = (lane, projects, keep) =>
  run(
    'npx',
    [
      'vitest',
      'run',
      ...projects.flatMap((p) => ['--project', p]),
      '--passWithNoTests',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${path.join(tmp, `${lane}.json`)}`,
      ...args,
    ],
    keep,
  );

const quickLog = path.join(tmp, 'quick.log');
const imageLog = path.join(tmp, 'image.log');
const quick = vitest('quick', ['unit', 'files'], quickLog);
console.log('== worker image (cached after the first build), beside the unit and result-file tests');
const image = await run(process.execPath, ['dist/cli.js', 'image', 'build'], imageLog);
process.stdout.write(fs.readFileSync(imageLog, 'utf8'));
const engines = image === 0 ? vitest('engines', ['integration'], null) : Promise.resolve(1);
if (image !== 0) console.log("the worker image did not build (above): the engines' tests cannot run");
const [quickCode, enginesCode] = await Promise.all([quick, engines]);
console.log('== unit and result-file tests (run beside the above)');
process.stdout.write(fs.readFileSync(quickLog, 'utf8'));

let passed = 0;
let failed = image === 0 ? 0 : 1;
let skipped = 0;
for (const [lane, code] of [
  ['quick', quickCode],
  ['engines', enginesCode],
]) {
  const file = path.join(tmp, `${lane}.json`);
  if (code === 0 && !fs.existsSync(file)) continue; // a filter that matched nothing in this lane
  try {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  } catch {
    failed = Math.max(1, failed);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(quickCode === 0 && enginesCode === 0 && failed === 0 && passed > 0 ? 0 : 1);
