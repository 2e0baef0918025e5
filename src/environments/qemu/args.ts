/** How QEMU runs the guest: KVM, Apple's hypervisor, or software emulation. */
export type Accelerator = 'kvm' | 'hvf' | 'tcg';

export interface VmSpec {
  name: string;
  accel: Accelerator;
  cpus: number;
  memoryMiB: number;
  kernel: string;
  initrd: string;
  cmdline: string;
  overlay: string;
  sshPort: number;
  serialLog: string;
  pidFile: string;
  /** a second NIC on the run's segment: a tap on its bridge (network bridge) */
  segment?: { tap: string; mac: string; vhost: boolean };
}

/** The PCI slot of the segment NIC: the guest names it enp0s16, which the image leaves to versus. */
export const SEGMENT_NIC_SLOT = 0x10;

/** Machine type every worker VM (and the KVM probe, which must prove the same thing) uses. */
export const MACHINE = 'q35';

/** Accelerator and CPU model flags; shared by worker VMs and the KVM probe. Pure. */
export function accelArgs(accel: Accelerator): string[] {
  if (accel === 'kvm') return ['-accel', 'kvm', '-cpu', 'host'];
  if (accel === 'hvf') return ['-accel', 'hvf', '-cpu', 'host'];
  return ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
}

/** Machine, accelerator, size and a direct kernel boot: what a worker VM and the KVM probe share. Pure. */
export function directBootArgs(
  vm: Pick<VmSpec, 'accel' | 'cpus' | 'memoryMiB' | 'kernel' | 'initrd' | 'cmdline'>,
): string[] {
  return [
    '-machine',
    MACHINE,
    ...accelArgs(vm.accel),
    '-smp',
    String(Math.max(1, Math.ceil(vm.cpus))),
    '-m',
    String(vm.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    vm.kernel,
    '-initrd',
    vm.initrd,
    '-append',
    vm.cmdline,
  ];
}

/** The QEMU command line of one worker VM. Pure. */
export function qemuArgs(vm: VmSpec): string[] {
  return [
    '-name',
    `${vm.name},process=versus-qemu-${vm.name}`,
    ...directBootArgs(vm),
    '-drive',
    `file=${vm.overlay},if=virtio,format=qcow2`,
    // user-mode networking: the guest reaches nothing but its own SSH port forward on loopback
    '-netdev',
    `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${vm.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=net0',
    ...segmentArgs(vm.segment),
    '-serial',
    `file:${vm.serialLog}`,
    '-pidfile',
    vm.pidFile,
  ];
}

/** The run's segment as a virtio NIC on a tap (vhost-net where the host has it). Pure. */
function segmentArgs(seg: VmSpec['segment']): string[] {
  if (!seg) return [];
  const slot = `0x${SEGMENT_NIC_SLOT.toString(16)}`;
  return [
    '-netdev',
    `tap,id=net1,ifname=${seg.tap},script=no,downscript=no${seg.vhost ? ',vhost=on' : ''}`,
    '-device',
    `virtio-net-pci,netdev=net1,mac=${seg.mac},addr=${slot}`,
  ];
}
