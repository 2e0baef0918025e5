import type { Command } from 'commander';
import { attributeOf } from '../compose/flags.js';
import { ENVIRONMENTS } from '../compose/registry.js';
import { ensureImage, removeImage } from '../image/build.js';
import { listImages } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';
import { describeCommand } from './descriptions.js';

export function imageCommand(program: Command): void {
  const image = program.command('image').description(describeCommand('image'));
  const packers = ENVIRONMENTS.flatMap((d) => (d.imageBuildFlag ? [d.imageBuildFlag] : []));
  const build = image
    .command('build')
    .description('build the worker image (debootstrap), or return the cached one')
    .option('--force', 'rebuild even when cached');
  // environments that pack the image their own way (a vagrant box) add their flags
  for (const p of packers) build.option(p.option, p.description);
  build.action(async (opts: { force?: boolean } & Record<string, unknown>) => {
    const m = await ensureImage({
      force: opts.force ?? false,
      progress: (msg) => process.stderr.write(`image: ${msg}\n`),
    });
    process.stdout.write(
      `${m.hash.slice(0, 16)}  node ${m.nodeVersion}  kernel ${m.kernelVersion}  built in ${m.buildSeconds.toFixed(0)} s  ${m.dir}\n`,
    );
    for (const p of packers) {
      if (opts[attributeOf(p.option)]) for (const line of await p.build(m)) process.stdout.write(`${line}\n`);
    }
  });
  image
    .command('ls')
    .description('list cached images')
    .action(() => {
      const current = imageHash();
      for (const m of listImages()) {
        process.stdout.write(
          `${m.hash.slice(0, 16)}${m.hash === current ? ' (current)' : ''}  ${m.createdAt}  node ${m.nodeVersion}  ${m.dir}\n`,
        );
      }
    });
  image
    .command('rm')
    .description('remove a cached image (default: the current one) and what environments made of it (a vagrant box)')
    .argument('[hash]', 'hash prefix')
    .action(async (hash?: string) => {
      const targets = listImages().filter((m) => (hash ? m.hash.startsWith(hash) : m.hash === imageHash()));
      for (const m of targets) {
        if (removeImage(m.hash)) process.stdout.write(`removed ${m.hash.slice(0, 16)}\n`);
        for (const d of ENVIRONMENTS)
          for (const line of (await d.removeWithImage?.(m)) ?? []) process.stdout.write(`${line}\n`);
      }
      if (targets.length === 0) process.stdout.write('nothing to remove\n');
    });
}
