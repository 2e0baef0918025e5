// The shape of a sysbench workload: run one test for a fixed time, read its numbers.
import { emitResult, phase, runMain, start } from './runner.mjs';
import { runTool } from './tool.mjs';

/** Runs sysbench `test` with testArgs(p) and reports metricsOf(stdout). */
export function sysbenchWorkload(manifestUrl, test, testArgs, metricsOf) {
  runMain(`sysbench-${test}`, async (argv) => {
    const { manifest, p } = start(manifestUrl, argv);
    const ms = {};
    let out;
    ms.run = await phase('run', async () => {
      out = await runTool('sysbench', [test, ...testArgs(p), `--threads=${p.threads}`, `--time=${p.seconds}`, 'run']);
    });
    const version = (/sysbench ([\d.]+)/.exec(out.stdout) ?? [])[1] ?? '?';
    emitResult({
      name: manifest.name,
      checksum: `sysbench ${version} ${test}`,
      threads: p.threads,
      ms,
      metrics: metricsOf(out.stdout),
    });
  });
}
