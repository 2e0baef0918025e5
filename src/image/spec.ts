import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../util/hash.js';
import { WORKLOADS_DIR } from '../util/paths.js';

/** Bump when the build steps change in a way that changes the result. */
export const BUILDER_VERSION = 1;

const BASE_PACKAGES = [
  'nodejs',
  'openssh-server',
  'systemd-sysv',
  'iproute2',
  'linux-image-cloud-amd64',
  'procps',
  'ca-certificates',
];

/** The Debian packages the project's workloads declare (workloads/<name>/workload.json "packages"), sorted. */
export function workloadPackages(dir = WORKLOADS_DIR): string[] {
  const out = new Set<string>();
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, name, 'workload.json');
    if (!fs.existsSync(file)) continue;
    try {
      const packages = (JSON.parse(fs.readFileSync(file, 'utf8')) as { packages?: unknown }).packages;
      if (Array.isArray(packages)) for (const p of packages) if (typeof p === 'string') out.add(p);
    } catch {
      // a broken manifest is reported when the workload is chosen, not here
    }
  }
  return [...out].sort();
}

export const IMAGE_SPEC = {
  suite: 'bookworm',
  variant: 'minbase',
  // the base userland, then every package a workload declares: the image hash covers them
  packages: [...BASE_PACKAGES, ...workloadPackages().filter((p) => !BASE_PACKAGES.includes(p))] as readonly string[],
  // Networking inside the VM: DHCP from QEMU's user-mode network on every en* link.
  networkUnit: '[Match]\nName=en*\n\n[Network]\nDHCP=ipv4\n',
  // The NIC on a run's segment (PCI slot 0x10, qemu/args.ts): left alone by networkd; versus
  // gives it its address over SSH once the guest is up. QEMU's own machine names it enp0s16,
  // libvirt's (ACPI slot numbers, vagrant) ens16.
  segmentUnit: '[Match]\nName=enp0s16 ens16\n\n[Link]\nUnmanaged=yes\n',
  sshdConfig: [
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UseDNS no',
    'HostKey /etc/ssh/ssh_host_ed25519_key',
  ].join('\n'),
  fstab: '/dev/vda / ext4 rw,relatime 0 1\n',
  // Under TCG udev's coldplug spends ~15 s loading modules a worker never uses
  // (nested KVM, crypto accelerators, cpufreq): keep them out of the boot.
  modprobeBlacklist: [
    'kvm',
    'kvm_amd',
    'kvm_intel',
    'powernow_k8',
    'acpi_cpufreq',
    'pcspkr',
    'cryptd',
    'aesni_intel',
    'ghash_clmulni_intel',
    'crc32_pclmul',
    'crc32c_intel',
    'polyval_clmulni',
    'sha1_ssse3',
    'sha256_ssse3',
    'sha512_ssse3',
    'aes_x86_64',
    'serio_raw',
    'evdev',
    'button',
    'joydev',
  ],
  // What a VM boots into: networkd and sshd, nothing else at multi-user, no socket units and
  // no timers. A package's own daemon (a key-value store's, a database's, or its socket
  // activation) runs only as a workload: enabled, it would hold the workload's port and take a
  // share of a TCG guest's CPU in every run; timers (apt's daily runs, fstrim) would fire
  // mid-measurement.
  bootServices: ['systemd-networkd.service', 'ssh.service'],
  clearedWants: ['multi-user.target.wants', 'sockets.target.wants', 'timers.target.wants'],
  kernelCmdline: 'root=/dev/vda rw console=ttyS0 net.ifnames=1 quiet systemd.show_status=0',
  // PID 1 of a microVM (the microvm environment boots it with init=): only what versus needs
  // to arm and sample a worker, in the order it needs them; no systemd, no udev. The NIC of
  // QEMU's user-mode network is found by the MAC the microvm backend gives it (qemu/args.ts).
  microvmInit: {
    path: '/usr/local/sbin/versus-microvm-init',
    script: [
      '#!/bin/bash',
      'mount -t devpts devpts /dev/pts 2>/dev/null; mount -t tmpfs tmpfs /dev/shm 2>/dev/null',
      'mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null; mount -t tmpfs tmpfs /tmp',
      'mkdir -p /run/sshd; hostname versus-worker; ip link set lo up',
      'modprobe -a virtio_net 2>/dev/null',
      'for n in /sys/class/net/*; do',
      '  [ "$(cat "$n/address")" = 52:54:00:12:34:56 ] || continue',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      '  ip addr add 10.0.2.15/24 dev "${n##*/}"; ip link set "${n##*/}" up',
      'done',
      '/usr/sbin/sshd',
      // bash as PID 1 reaps every child it adopts (its SIGCHLD handler waits for any pid)
      'while :; do sleep 3600 & wait $!; done',
      '',
    ].join('\n'),
  },
  diskFreeMiB: 1536,
} as const;

export type ImageSpec = typeof IMAGE_SPEC;

/** Content hash of every input of the build: same inputs, same cached image. */
export function imageHash(spec: ImageSpec = IMAGE_SPEC, arch = process.arch): string {
  return sha256(JSON.stringify({ builder: BUILDER_VERSION, arch, spec }));
}

/**
 * The Debian mirror the host already uses, read from its apt sources (deb822 or
 * one-line format), so no host name is written into this project. null: let
 * debootstrap use its default.
 */
export function mirrorFromAptSources(texts: string[], suite: string): string | null {
  for (const text of texts) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const fields = new Map<string, string>();
      for (const line of stanza.split('\n')) {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line.trim());
        if (m) fields.set(m[1]!.toLowerCase(), m[2]!);
      }
      if (fields.get('enabled') === 'no') continue;
      const suites = (fields.get('suites') ?? '').split(/\s+/);
      if ((fields.get('types') ?? '').split(/\s+/).includes('deb') && suites.includes(suite)) {
        const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
        if (uri) return uri;
      }
    }
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s/.exec(line.trim());
      if (m && m[2] === suite) return m[1]!;
    }
  }
  return null;
}
