// qemu: VMs started directly with QEMU from the worker image, reached over SSH.
import fs from 'node:fs';
import path from 'node:path';
import type { EnvironmentDescriptor } from '../descriptor.js';
import { qemuConfig, qemuSection } from './config.js';

export const qemu: EnvironmentDescriptor<typeof qemuConfig> = {
  name: 'qemu',
  description: 'VMs started directly with QEMU (KVM when the worker kernel boots under it, else TCG), over SSH',
  view: { label: 'VMs (qemu)', short: 'VM', kind: 'vm', color: '#ff7f0e', workerSource: 'guest' },
  inDefault: true,
  networks: ['none', 'bridge'],
  networkNotes: { host: 'a VM has a kernel and network stack of its own: there is no host network for it; use bridge' },
  // QEMU's threads; the guest's RAM; an SSH forward on a loopback port
  hostCost: { threads: 12, mib: 'guest', loopbackPort: true },
  config: qemuConfig,
  flags: [
    {
      option: '--qemu <binary>',
      description: 'the QEMU binary to probe (as qemu.binary in a config; default qemu-system-x86_64)',
      field: 'binary',
      commands: ['doctor'],
    },
  ],
  needsImage: () => true,
  async create({ experiment: e, image, log, workloads }) {
    const { QemuEnvironment } = await import('./backend.js');
    if (!image) throw new Error('qemu: the worker image is needed');
    return new QemuEnvironment(qemuSection(e), image, log, workloads);
  },
  async createOnHost({ experiment: e, image, log, workloads }, host) {
    const { QemuEnvironment } = await import('./backend.js');
    const { remoteMachine } = await import('./remoteMachine.js');
    if (!image) throw new Error('qemu: the worker image is needed');
    return new QemuEnvironment(qemuSection(e), image, (m) => log(`${host.name}: ${m}`), workloads, remoteMachine(host));
  },
  async doctorOnHost({ experiment: e }, host) {
    const has = async (cmd: string) =>
      (await host.ssh.run(`command -v ${cmd}`).catch(() => ({ code: 1, stdout: '' }))).stdout.trim();
    const qemuAt = await has(qemuSection(e).binary);
    const imgAt = await has('qemu-img');
    const kvm = (await host.ssh.run('test -r /dev/kvm && test -w /dev/kvm').catch(() => ({ code: 1 }))).code === 0;
    return [
      {
        name: 'qemu',
        ok: qemuAt !== '',
        detail: qemuAt || `${qemuSection(e).binary} missing: apt-get install qemu-system-x86`,
      },
      { name: 'qemu-img', ok: imgAt !== '', detail: imgAt || 'missing: apt-get install qemu-utils' },
      {
        name: '/dev/kvm',
        ok: true,
        detail: kvm ? 'usable: KVM if the probe guest boots (at the run)' : 'not usable: VMs run under TCG',
      },
    ];
  },
  async cleanOnHost({ live = [] }, host) {
    const { remoteMachine } = await import('./remoteMachine.js');
    // an experiment running now on this machine may have its VMs there: not leftovers
    return (await remoteMachine(host).cleanLeftovers('', live)).map((x) => `${x} on ${host.name}`);
  },
  async leftovers({ live = [] }) {
    const { vmsDir } = await import('./backend.js');
    const { ofLiveExperiment } = await import('../../util/live.js');
    const dir = vmsDir();
    const runs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => !ofLiveExperiment(d, live)) : [];
    return runs.map((d) => `VM folder ${path.join(dir, d)}`);
  },
  async clean({ live = [] }) {
    const { cleanQemuLeftovers } = await import('./backend.js');
    return cleanQemuLeftovers(live);
  },
  async doctor({ experiment: e, reprobe }) {
    const { qemuChecks } = await import('./doctor.js');
    return qemuChecks(qemuSection(e).binary, reprobe);
  },
};
