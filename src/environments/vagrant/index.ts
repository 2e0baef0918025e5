// vagrant: VMs through the repository's Vagrantfile (libvirt with the worker image as a box, or VirtualBox).
import fs from 'node:fs';
import path from 'node:path';
import type { EnvironmentDescriptor } from '../descriptor.js';
import { vagrantConfig } from './config.js';

export const vagrant: EnvironmentDescriptor<typeof vagrantConfig> = {
  name: 'vagrant',
  description: 'VMs through the Vagrantfile: libvirt (the worker image as a box) or VirtualBox',
  view: { label: 'VMs (vagrant)', short: 'vagrant VM', kind: 'vm', color: '#d95f02', workerSource: 'guest' },
  inDefault: false,
  config: vagrantConfig,
  flags: [
    {
      option: '--vagrant-provider <name>',
      description: "vagrant provider: 'libvirt' (default, the worker image as a box) or 'virtualbox'",
      field: 'provider',
    },
    {
      option: '--vagrant-box <name>',
      description: 'vagrant box (default: the worker image box for libvirt, debian/bookworm64 for virtualbox)',
      field: 'box',
    },
  ],
  needsImage: (e) => e.vagrant.provider === 'libvirt',
  async create({ experiment: e, image, log }) {
    const { VagrantEnvironment } = await import('./backend.js');
    return new VagrantEnvironment(e.vagrant, image, log, e.qemu);
  },
  async leftovers() {
    const { vagrantRunsDir } = await import('./backend.js');
    const dir = vagrantRunsDir();
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((d) => `vagrant run ${path.join(dir, d)}`) : [];
  },
  async clean({ experiment: e, image, log }) {
    const { VagrantEnvironment } = await import('./backend.js');
    const env = new VagrantEnvironment(e.vagrant, image, log, e.qemu);
    try {
      return await env.cleanAll();
    } finally {
      await env.close();
    }
  },
  async doctor() {
    const { vagrantChecks } = await import('./doctor.js');
    return vagrantChecks();
  },
};
