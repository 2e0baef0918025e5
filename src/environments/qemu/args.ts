/** How QEMU runs the guest: KVM, Apple's hypervisor, or software emulation. */
export type Accelerator = 'kvm' | 'hvf' | 'tcg';

/**
 * The machine a worker VM gets: q35 (a PC: PCI, firmware tables, the image's systemd) or
 * microvm (QEMU's minimal machine: virtio-mmio devices, no PCI, no option ROMs, the image's
 * minimal init instead of systemd; the microvm environment).
 */
export type MachineType = 'q35' | 'microvm';

export interface VmSpec {
  name: string;
  machine: MachineType;
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

/** Machine type of the qemu environment's VMs and of the KVM probe (which proves the accelerator for both). */
export const MACHINE = 'q35';

/** The SSH NIC's MAC in a microVM: its minimal init finds the NIC by it (image/spec.ts microvmInit). */
export const MICROVM_SSH_MAC = '52:54:00:12:34:56';

/** -machine of each type: microvm with ACPI (how the guest kernel finds its virtio-mmio devices) and no option ROMs. */
const MACHINE_ARG: Record<MachineType, string> = { q35: MACHINE, microvm: 'microvm,acpi=on,x-option-roms=off' };

/** Accelerator and CPU model flags; shared by worker VMs and the KVM probe. Pure. */
export function accelArgs(accel: Accelerator): string[] {
  if (accel === 'kvm') return ['-accel', 'kvm', '-cpu', 'host'];
  if (accel === 'hvf') return ['-accel', 'hvf', '-cpu', 'host'];
  return ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
}

/** Machine, accelerator, size and a direct kernel boot: what a worker VM and the KVM probe share. Pure. */
export function directBootArgs(
  vm: Pick<VmSpec, 'accel' | 'cpus' | 'memoryMiB' | 'kernel' | 'initrd' | 'cmdline'> & { machine?: MachineType },
): string[] {
  return [
    '-machine',
    MACHINE_ARG[vm.machine ?? 'q35'],
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
    ...diskArgs(vm),
    // user-mode networking: the guest reaches nothing but its own SSH port forward on loopback
    '-netdev',
    `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${vm.sshPort}-:22`,
    '-device',
    vm.machine === 'microvm' ? `virtio-net-device,netdev=net0,mac=${MICROVM_SSH_MAC}` : 'virtio-net-pci,netdev=net0',
    ...segmentArgs(vm.machine, vm.segment),
    '-serial',
    `file:${vm.serialLog}`,
    '-pidfile',
    vm.pidFile,
  ];
}

/** The overlay as a virtio disk: on PCI (q35) or on virtio-mmio (microvm). Pure. */
function diskArgs(vm: Pick<VmSpec, 'machine' | 'overlay'>): string[] {
  if (vm.machine === 'q35') return ['-drive', `file=${vm.overlay},if=virtio,format=qcow2`];
  return ['-drive', `id=disk0,file=${vm.overlay},if=none,format=qcow2`, '-device', 'virtio-blk-device,drive=disk0'];
}

/** The run's segment as a virtio NIC on a tap (vhost-net where the host has it). Pure. */
function segmentArgs(machine: MachineType, seg: VmSpec['segment']): string[] {
  if (!seg) return [];
  const slot = `0x${SEGMENT_NIC_SLOT.toString(16)}`;
  const nic =
    machine === 'q35'
      ? `virtio-net-pci,netdev=net1,mac=${seg.mac},addr=${slot}`
      : `virtio-net-device,netdev=net1,mac=${seg.mac}`;
  return [
    '-netdev',
    `tap,id=net1,ifname=${seg.tap},script=no,downscript=no${seg.vhost ? ',vhost=on' : ''}`,
    '-device',
    nic,
  ];
}
