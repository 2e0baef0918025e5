import type { Command } from 'commander';
import { loadExperiment } from '../compose/config.js';
import { addBackendOptions, backendOverrides } from '../compose/flags.js';
import { ENVIRONMENTS } from '../compose/registry.js';
import { openHost } from '../hosts/remote.js';
import { imageDir, readManifest } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';
import { liveExperiments, pruneLive } from '../util/live.js';
import { describeCommand } from './descriptions.js';
import { EXIT } from './interrupts.js';

export function cleanCommand(program: Command): void {
  const clean = program
    .command('clean')
    .description(describeCommand('clean'))
    .option('--hosts', 'also on every remote host of the config (its own engines, over SSH)')
    .option('--config <file>', 'the experiment config that lists the hosts');
  addBackendOptions(clean, 'clean').action(
    async (opts: { hosts?: boolean; config?: string } & Record<string, unknown>) => {
      const experiment = loadExperiment(opts.config, backendOverrides(opts, 'clean'));
      pruneLive();
      const live = liveExperiments();
      const ctx = {
        experiment,
        image: readManifest(imageDir(imageHash())),
        log: (m: string) => process.stderr.write(`${m}\n`),
        live,
      };
      if (live.length)
        ctx.log(
          `clean: skipping the runs of ${live.length} running experiment(s) (${live.join(', ')}): their own end removes them`,
        );
      const removed: string[] = [];
      const note = (r: string) => {
        process.stdout.write(`removed ${r}\n`);
        removed.push(r);
      };
      for (const d of ENVIRONMENTS) for (const r of await d.clean(ctx)) note(r);
      if (opts.hosts) {
        if (!experiment.hosts.length) ctx.log('clean: --hosts, but the config lists no hosts (--config FILE)');
        let unreachable = 0;
        for (const config of experiment.hosts) {
          const host = await openHost(config).catch((err: Error) => {
            ctx.log(`clean: ${err.message}`);
            unreachable++;
            return null;
          });
          if (!host) continue;
          try {
            for (const d of ENVIRONMENTS)
              if (d.cleanOnHost && config.environments.includes(d.name))
                for (const r of await d.cleanOnHost(ctx, host).catch((err: Error) => {
                  ctx.log(`clean: host ${config.name}: ${err.message}`);
                  unreachable++;
                  return [];
                }))
                  note(r);
          } finally {
            host.close();
          }
        }
        if (unreachable) process.exitCode = EXIT.failed;
      }
      process.stdout.write(removed.length ? `${removed.length} leftover(s) removed\n` : 'nothing left behind\n');
    },
  );
}
