import path from 'node:path';
import type { Command } from 'commander';
import { FORMATS, pageOf, parseFormats, writePage } from '../report/build.js';
import { withResults } from '../results/read.js';

export function defaultReportDir(resultsDir: string): string {
  return path.join('reports', path.basename(path.resolve(resultsDir)));
}

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description('render a results directory as one offline HTML page plus Vega-Lite specs, SVG and PNG figures')
    .argument('<results-dir>', 'a directory written by versus run')
    .option('--out <dir>', 'output directory (default reports/<results-dir name>)')
    .option('--format <list>', `comma-separated: ${FORMATS.join(',')}`, FORMATS.join(','))
    .action(async (dir: string, opts: { out?: string; format: string }) => {
      const formats = parseFormats(opts.format);
      const log = (m: string) => process.stderr.write(`${m}\n`);
      await withResults(
        dir,
        async (rs) => {
          const page = await pageOf(rs);
          rs.samples.close(); // the engine's memory is free before figures are rendered
          const out = await writePage(page, opts.out ?? defaultReportDir(dir), formats);
          log(`report: ${out.files.length} files in ${out.dir}${rs.incomplete ? ' (experiment incomplete)' : ''}`);
          process.stdout.write(`${out.html ?? out.dir}\n`);
        },
        { log },
      );
    });
}
