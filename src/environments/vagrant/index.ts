// vagrant: VMs through the repository's Vagrantfile (libvirt with the worker image as a box, or VirtualBox).
import fs from 'node:fs';
import path from 'node:path';
import type { EnvironmentDescriptor } from '../descriptor.js';
import { qemuSection } from '../qemu/config.js';
import { vagrantConfig, vagrantSection } from './config.js';

export const vagrant: EnvironmentDescriptor<typeof vagrantConfig> = {
  name: 'vagrant',
  description: 'VMs through the Vagrantfile: libvirt (the worker image as a box) or VirtualBox',
  view: { label: 'VMs (vagrant)', short: 'vagrant VM', kind: 'vm', color: '#d95f02', workerSource: 'guest' },
  inDefault: false,
  // bridge with the libvirt provider (virtualbox refuses it at provision)
  networks: ['none', 'bridge'],
  networkNotes: { host: 'a VM has a kernel and network stack of its own: there is no host network for it; use bridge' },
  // QEMU's threads; the guest's RAM; an SSH forward on a loopback port
  hostCost: { threads: 12, mib: 'guest', loopbackPort: true },
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
  needsImage: (e) => vagrantSection(e).provider === 'libvirt',
  imageBuildFlag: {
    option: '--vagrant-box',
    description: 'also pack the image as a vagrant-libvirt box and print the `vagrant box add` line',
    async build(image) {
      const { buildLibvirtBox, workerBoxName } = await import('./box.js');
      const file = await buildLibvirtBox(image);
      return [
        `box: ${file}`,
        `add it with: vagrant box add --name ${workerBoxName(image)} ${file}`,
        '(versus run --env vagrant adds it by itself when it is missing)',
      ];
    },
  },
  // its box is a copy of the image's disk in ~/.vagrant.d: it goes with the image
  async removeWithImage(image) {
    const { which } = await import('../../util/exec.js');
    const { vagrantToolEnv } = await import('./tools.js');
    const { removeLibvirtBox, workerBoxName } = await import('./box.js');
    const vagrant = await which('vagrant');
    return vagrant && (await removeLibvirtBox(vagrant, image, vagrantToolEnv()))
      ? [`removed vagrant box ${workerBoxName(image)}`]
      : [];
  },
  async create({ experiment: e, image, log, workloads }) {
    const { VagrantEnvironment } = await import('./backend.js');
    return new VagrantEnvironment(vagrantSection(e), image, log, qemuSection(e), workloads);
  },
  async leftovers({ live = [] }) {
    const { vagrantRunsDir } = await import('./tools.js');
    const { ofLiveExperiment } = await import('../../util/live.js');
    const dir = vagrantRunsDir();
    const runs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => !ofLiveExperiment(d, live)) : [];
    return runs.map((d) => `vagrant run ${path.join(dir, d)}`);
  },
  async clean({ experiment: e, image, log, live = [] }) {
    const { VagrantEnvironment } = await import('./backend.js');
    const env = new VagrantEnvironment(vagrantSection(e), image, log, qemuSection(e));
    try {
      return await env.cleanAll(live);
    } finally {
      await env.close();
    }
  },
  async doctor() {
    const { vagrantChecks } = await import('./doctor.js');
    return vagrantChecks();
  },
};
