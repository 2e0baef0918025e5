import type { Accelerator } from './accel.js';

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
}

/** The QEMU command line of one worker VM. Pure. */
export function qemuArgs(vm: VmSpec): string[] {
  const accel =
    vm.accel === 'kvm'
      ? ['-accel', 'kvm', '-cpu', 'host']
      : vm.accel === 'hvf'
        ? ['-accel', 'hvf', '-cpu', 'host']
        : ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
  return [
    '-name',
    `${vm.name},process=versus-qemu-${vm.name}`,
    '-machine',
    'q35',
    ...accel,
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
    '-drive',
    `file=${vm.overlay},if=virtio,format=qcow2`,
    // user-mode networking: the guest reaches nothing but its own SSH port forward on loopback
    '-netdev',
    `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${vm.sshPort}-:22`,
    '-device',
    'virtio-net-pci,netdev=net0',
    '-serial',
    `file:${vm.serialLog}`,
    '-pidfile',
    vm.pidFile,
  ];
}
