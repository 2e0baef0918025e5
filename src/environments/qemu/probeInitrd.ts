/**
 * The KVM probe boots the worker image's own kernel and initrd; to prove the guest reached
 * user space it appends a small cpio archive to the initrd (the kernel unpacks concatenated
 * archives, compressed or not) holding one script, run as `rdinit`, that prints a marker on
 * the serial console and exits (the kernel then panics and, with panic=-1 and -no-reboot,
 * QEMU exits by itself). Pure byte building; no cpio program needed.
 */

/** What the probe's init prints; only a guest running user-space code can print it. */
export const PROBE_MARKER = 'versus-kvm-probe: user space reached';
export const PROBE_INIT = '/versus-kvm-probe';

export const PROBE_SCRIPT = `#!/bin/sh\necho "${PROBE_MARKER}"\n`;

/** Kernel command line of the probe: serial console, our init, no reboot loop. */
export function probeCmdline(): string {
  return `console=ttyS0 rdinit=${PROBE_INIT} panic=-1 quiet`;
}

interface CpioEntry {
  name: string;
  mode: number; // file type and permissions, e.g. 0o100755
  data: Buffer;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** One entry in the "newc" (070701) format the kernel's initramfs unpacker reads. */
function newcEntry(e: CpioEntry, ino: number): Buffer {
  const name = Buffer.from(`${e.name}\0`);
  const fields = [ino, e.mode, 0, 0, 1, 0, e.data.length, 0, 0, 0, 0, name.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return Buffer.concat([
    header,
    name,
    Buffer.alloc(pad4(header.length + name.length)),
    e.data,
    Buffer.alloc(pad4(e.data.length)),
  ]);
}

/** A newc archive of the entries plus its trailer, padded to 512 bytes. */
export function cpioArchive(entries: CpioEntry[]): Buffer {
  const parts = entries.map((e, i) => newcEntry(e, i + 1));
  parts.push(newcEntry({ name: 'TRAILER!!!', mode: 0, data: Buffer.alloc(0) }, 0));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** The image's initrd with the probe script appended (zero padding aligns the archives). */
export function probeInitrd(imageInitrd: Buffer): Buffer {
  const probe = cpioArchive([{ name: PROBE_INIT.slice(1), mode: 0o100755, data: Buffer.from(PROBE_SCRIPT) }]);
  const align = Buffer.alloc((512 - (imageInitrd.length % 512)) % 512);
  return Buffer.concat([imageInitrd, align, probe]);
}
