import type { Command } from 'commander';
import { ExperimentSchema } from '../config/schema.js';
import { DockerEnvironment, dockerClient } from '../environments/docker.js';
import { cleanQemuLeftovers } from '../environments/qemu.js';
import { VagrantEnvironment } from '../environments/vagrant.js';
import { imageDir, readManifest } from '../image/manifest.js';
import { imageHash } from '../image/spec.js';

export function cleanCommand(program: Command): void {
  program
    .command('clean')
    .description('remove every container, QEMU VM, overlay and Vagrant/libvirt machine that versus left behind')
    .option('--docker-socket <path>', 'Docker Engine socket')
    .action(async (opts: { dockerSocket?: string }) => {
      const manifest = readManifest(imageDir(imageHash()));
      const docker = new DockerEnvironment(
        dockerClient(opts.dockerSocket ? { socketPath: opts.dockerSocket } : {}),
        manifest!,
      );
      const containers = await docker.cleanAll();
      for (const r of containers) process.stdout.write(`removed container ${r}\n`);
      const vms = await cleanQemuLeftovers();
      for (const r of vms) process.stdout.write(`removed ${r}\n`);
      const vagrant = new VagrantEnvironment(ExperimentSchema.parse({}).vagrant, manifest, (m) =>
        process.stderr.write(`${m}\n`),
      );
      let vagrantRemoved: string[] = [];
      try {
        vagrantRemoved = await vagrant.cleanAll();
      } finally {
        await vagrant.close();
      }
      for (const r of vagrantRemoved) process.stdout.write(`removed ${r}\n`);
      const removed = [...containers, ...vms, ...vagrantRemoved];
      process.stdout.write(removed.length ? `${removed.length} leftover(s) removed\n` : 'nothing left behind\n');
    });
}
