/**
 * What the harness hands the Vagrantfile (as JSON, through VERSUS_VAGRANT_SETTINGS)
 * and how it calls vagrant. Pure: the tests check these without running vagrant.
 */

import { SEGMENT_NIC_SLOT } from '../qemu/args.js';
import { segmentMac } from '../segment.js';

export type VagrantProvider = 'libvirt' | 'virtualbox';

/** A public box for VirtualBox users; any Debian/Ubuntu box with apt works. */
export const DEFAULT_VIRTUALBOX_BOX = 'debian/bookworm64';

export interface VagrantWorkerSettings {
  name: string;
  cpus: number;
  memoryMiB: number;
  /** host port on 127.0.0.1 forwarded to the guest's SSH */
  sshPort: number;
  cpuset: number[] | null;
  serialLog: string | null;
  /** network bridge: a NIC on the run's bridge (libvirt opens the tap), at the PCI slot the image leaves to versus */
  segment: { bridge: string; mac: string; slot: string } | null;
}

export interface LibvirtSettings {
  uri: string;
  /** kvm when KVM really runs a guest, else qemu (TCG) */
  driver: 'kvm' | 'qemu';
  /** the emulator libvirt starts for the domains (vagrant-libvirt emulator_path); null: libvirt's default */
  emulator: string | null;
  storagePool: string;
  kernel: string;
  initrd: string;
  cmdline: string;
}

export interface VagrantSettings {
  provider: VagrantProvider;
  /** libvirt domain / VirtualBox VM name prefix: versus-<run>- */
  prefix: string;
  box: string;
  bootTimeoutS: number;
  workloadsDir: string;
  guestWorkloadsDir: string;
  workers: VagrantWorkerSettings[];
  /** how to log in (our box: root with the image's key); null: vagrant's defaults */
  ssh: { username: string; privateKey: string } | null;
  libvirt: LibvirtSettings | null;
}

/** A run id as a name libvirt and VirtualBox both accept. */
export function machinePrefix(runId: string): string {
  return `versus-${runId.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-')}-`;
}

export function workerName(index: number): string {
  return `vagrant-${index}`;
}

/** The settings of one run. Pure. */
export function buildSettings(input: {
  provider: VagrantProvider;
  runId: string;
  box: string;
  bootTimeoutS: number;
  workloadsDir: string;
  guestWorkloadsDir: string;
  workers: { cpus: number; memoryBytes: number; cpuset: number[] | null }[];
  sshPorts: number[];
  artifactsDir: string;
  ssh: VagrantSettings['ssh'];
  libvirt: LibvirtSettings | null;
  /** network bridge: the run's bridge, already made */
  segmentBridge?: string | null;
}): VagrantSettings {
  return {
    provider: input.provider,
    prefix: machinePrefix(input.runId),
    box: input.box,
    bootTimeoutS: input.bootTimeoutS,
    workloadsDir: input.workloadsDir,
    guestWorkloadsDir: input.guestWorkloadsDir,
    workers: input.workers.map((a, i) => ({
      name: workerName(i),
      cpus: Math.max(1, Math.ceil(a.cpus)),
      memoryMiB: Math.round(a.memoryBytes / 2 ** 20),
      sshPort: input.sshPorts[i]!,
      cpuset: a.cpuset,
      serialLog: `${input.artifactsDir}/${workerName(i)}.serial.log`,
      segment: input.segmentBridge
        ? { bridge: input.segmentBridge, mac: segmentMac(i), slot: `0x${SEGMENT_NIC_SLOT.toString(16)}` }
        : null,
    })),
    ssh: input.ssh,
    libvirt: input.libvirt,
  };
}

/** The environment of every vagrant call of one run: its own state folder, no calls home. */
export function vagrantEnv(
  base: NodeJS.ProcessEnv,
  opts: { projectRoot: string; dotfileDir: string; settingsFile: string },
): NodeJS.ProcessEnv {
  return {
    ...base,
    VAGRANT_CWD: opts.projectRoot,
    VAGRANT_DOTFILE_PATH: opts.dotfileDir,
    VERSUS_VAGRANT_SETTINGS: opts.settingsFile,
    // no version or box update checks: nothing leaves this machine
    VAGRANT_CHECKPOINT_DISABLE: '1',
    VAGRANT_BOX_UPDATE_CHECK_DISABLE: '1',
    VAGRANT_NO_COLOR: '1',
    VAGRANT_FORCE_COLOR: undefined,
  };
}

/** `vagrant up`: libvirt boots machines in parallel; VirtualBox cannot. */
export function upArgs(provider: VagrantProvider): string[] {
  return ['up', '--provider', provider, provider === 'libvirt' ? '--parallel' : '--no-parallel'];
}

export function destroyArgs(): string[] {
  return ['destroy', '--force'];
}
