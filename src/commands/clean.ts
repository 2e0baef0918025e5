import type { Command } from 'commander';
import { validateExperiment } from '../config/load.js';
import { ENVIRONMENTS } from '../environments/registry.js';
import { imageDir, readManifest } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';

export function cleanCommand(program: Command): void {
  program
    .command('clean')
    .description('remove everything any environment left behind (containers, VMs and overlays, machines, domains)')
    .option('--docker-socket <path>', 'Docker Engine socket')
    .action(async (opts: { dockerSocket?: string }) => {
      const experiment = validateExperiment(
        opts.dockerSocket ? { docker: { socketPath: opts.dockerSocket } } : {},
        'flags',
      );
      const ctx = {
        experiment,
        image: readManifest(imageDir(imageHash())),
        log: (m: string) => process.stderr.write(`${m}\n`),
      };
      const removed: string[] = [];
      for (const d of ENVIRONMENTS) {
        for (const r of await d.clean(ctx)) {
          process.stdout.write(`removed ${r}\n`);
          removed.push(r);
        }
      }
      process.stdout.write(removed.length ? `${removed.length} leftover(s) removed\n` : 'nothing left behind\n');
    });
}
