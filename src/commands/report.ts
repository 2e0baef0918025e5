import path from 'node:path';
import type { Command } from 'commander';
import { fileExporters, formatsOf, writeReport } from '../export/index.js';
import { describeCommand } from './descriptions.js';

export function defaultReportDir(resultsDir: string): string {
  return path.join('reports', path.basename(path.resolve(resultsDir)));
}

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description(describeCommand('report'))
    .argument('<results-dir>', 'a directory written by versus run or versus sweep')
    .option('--out <dir>', 'output directory (default reports/<results-dir name>)')
    .option('--format <list>', `comma-separated: ${formatsOf('report').join(',')}`, formatsOf('report').join(','))
    .action(async (dir: string, opts: { out?: string; format: string }) => {
      const formats = fileExporters('report', opts.format);
      const [{ pageOf }, { withResults }] = await Promise.all([
        import('../report/build.js'),
        import('../results/read.js'),
      ]);
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const { isBootSweep } = await import('../results/bootSweep.js');
      if (isBootSweep(dir)) {
        const { sweepPageOf } = await import('../report/sweepPage.js');
        const out = await writeReport(sweepPageOf(dir), opts.out ?? defaultReportDir(dir), formats);
        log(`report: ${out.files.length} files in ${out.dir} (boot sweep)`);
        process.stdout.write(`${out.html ?? out.dir}\n`);
        return;
      }
      await withResults(
        dir,
        async (rs) => {
          const page = await pageOf(rs);
          rs.samples.close(); // the engine's memory is free before figures are rendered
          const out = await writeReport(page, opts.out ?? defaultReportDir(dir), formats);
          log(`report: ${out.files.length} files in ${out.dir}${rs.incomplete ? ' (experiment incomplete)' : ''}`);
          process.stdout.write(`${out.html ?? out.dir}\n`);
        },
        { log },
      );
    });
}
