// microvm: VMs on QEMU's microvm machine (virtio-mmio, no PCI, no firmware ROMs), the image's
// kernel booted directly into its minimal init (sshd, nothing else), reached over SSH as qemu's.
import type { EnvironmentDescriptor } from '../descriptor.js';
import { qemu } from '../qemu/index.js';
import { microvmConfig, microvmSection } from './config.js';

export const microvm: EnvironmentDescriptor<typeof microvmConfig> = {
  name: 'microvm',
  description:
    "microVMs: QEMU's microvm machine, direct kernel boot into a minimal init (KVM or TCG as qemu), over SSH",
  view: {
    label: 'microVMs (QEMU)',
    short: 'microVM',
    kind: 'microvm',
    color: '#d62728',
    workerSource: 'guest',
  },
  inDefault: false,
  networks: ['none', 'bridge'],
  networkNotes: { host: 'a VM has a kernel and network stack of its own: there is no host network for it; use bridge' },
  // QEMU's threads; the guest's RAM; an SSH forward on a loopback port
  hostCost: { threads: 12, mib: 'guest', loopbackPort: true },
  config: microvmConfig,
  needsImage: () => true,
  async create({ experiment: e, image, log, workloads }) {
    const { QemuEnvironment, MICROVM_FLAVOUR } = await import('./flavour.js');
    if (!image) throw new Error('microvm: the worker image is needed');
    return new QemuEnvironment(microvmSection(e), image, log, workloads, undefined, MICROVM_FLAVOUR);
  },
  // on a remote host: QEMU there through the same VmMachine as qemu's VMs (remoteMachine.ts)
  async createOnHost({ experiment: e, image, log, workloads }, host) {
    const { QemuEnvironment, MICROVM_FLAVOUR } = await import('./flavour.js');
    const { remoteMachine } = await import('../qemu/remoteMachine.js');
    if (!image) throw new Error('microvm: the worker image is needed');
    const say = (m: string) => log(`${host.name}: ${m}`);
    return new QemuEnvironment(microvmSection(e), image, say, workloads, remoteMachine(host), MICROVM_FLAVOUR);
  },
  // the same checks and the same VM folder as qemu's on that host
  doctorOnHost: (ctx, host) => qemu.doctorOnHost!(ctx, host),
  cleanOnHost: (ctx, host) => qemu.cleanOnHost!(ctx, host),
  // its VMs live in the qemu backend's VM folder: qemu's leftovers and clean cover them
  async leftovers() {
    return [];
  },
  async clean() {
    return [];
  },
  async doctor({ experiment: e, reprobe }) {
    const { qemuChecks } = await import('../qemu/doctor.js');
    return qemuChecks(microvmSection(e).binary, reprobe);
  },
};
