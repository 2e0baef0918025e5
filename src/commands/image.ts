import type { Command } from 'commander';
import { vagrantToolEnv } from '../environments/vagrant/backend.js';
import { buildLibvirtBox, removeLibvirtBox, workerBoxName } from '../environments/vagrant/box.js';
import { ensureImage, removeImage } from '../image/build.js';
import { listImages } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';
import { which } from '../util/exec.js';

export function imageCommand(program: Command): void {
  const image = program
    .command('image')
    .description('the worker image: one Debian userland for containers, VMs and the native baseline');
  image
    .command('build')
    .description('build the worker image (debootstrap), or return the cached one')
    .option('--force', 'rebuild even when cached')
    .option('--vagrant-box', 'also pack the image as a vagrant-libvirt box and print the `vagrant box add` line')
    .action(async (opts: { force?: boolean; vagrantBox?: boolean }) => {
      const m = await ensureImage({
        force: opts.force ?? false,
        progress: (msg) => process.stderr.write(`image: ${msg}\n`),
      });
      process.stdout.write(
        `${m.hash.slice(0, 16)}  node ${m.nodeVersion}  kernel ${m.kernelVersion}  built in ${m.buildSeconds.toFixed(0)} s  ${m.dir}\n`,
      );
      if (opts.vagrantBox) {
        const file = await buildLibvirtBox(m);
        process.stdout.write(`box: ${file}\nadd it with: vagrant box add --name ${workerBoxName(m)} ${file}\n`);
        process.stderr.write('(versus run --env vagrant adds it by itself when it is missing)\n');
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
    .description('remove a cached image (default: the current one) and its vagrant box')
    .argument('[hash]', 'hash prefix')
    .action(async (hash?: string) => {
      const targets = listImages().filter((m) => (hash ? m.hash.startsWith(hash) : m.hash === imageHash()));
      const vagrant = await which('vagrant');
      for (const m of targets) {
        if (removeImage(m.hash)) process.stdout.write(`removed ${m.hash.slice(0, 16)}\n`);
        // its vagrant box (a copy of the disk in ~/.vagrant.d) goes with it
        if (vagrant && (await removeLibvirtBox(vagrant, m, vagrantToolEnv())))
          process.stdout.write(`removed vagrant box ${workerBoxName(m)}\n`);
      }
      if (targets.length === 0) process.stdout.write('nothing to remove\n');
    });
}
