/**
 * Signs that a guest is dead although its QEMU process lives on. On hosts with partial
 * nested virtualisation KVM fails inside the guest kernel; QEMU prints a register dump,
 * pauses the guest and spins, so without these checks nothing notices until the boot
 * timeout. Pure functions over QEMU's stderr, libvirt's domain log and `virsh domstate`.
 */

/** QEMU/KVM messages after which the guest cannot run on (first match wins). */
const FATAL_PATTERNS: { re: RegExp; why: (m: RegExpExecArray) => string }[] = [
  {
    re: /KVM internal error\. Suberror: (\d+)/,
    why: (m) => `KVM internal error (suberror ${m[1]}${m[1] === '1' ? ': emulation failure' : ''})`,
  },
  { re: /KVM internal error/, why: () => 'KVM internal error' },
  { re: /KVM: entry failed, hardware error 0x[0-9a-f]+/i, why: (m) => m[0] },
  { re: /kvm run failed[^\n]*/i, why: (m) => m[0].trim() },
  { re: /emulation failure/, why: () => 'KVM emulation failure' },
  { re: /Could not access KVM kernel module[^\n]*/, why: (m) => m[0].trim() },
  { re: /failed to initialize kvm[^\n]*/i, why: (m) => m[0].trim() },
];

/** Why the guest behind this QEMU output died, or null while nothing fatal was printed. */
export function guestDeathReason(qemuOutput: string): string | null {
  for (const { re, why } of FATAL_PATTERNS) {
    const m = re.exec(qemuOutput);
    if (m) return why(m);
  }
  return null;
}

/** True when the reason is KVM's fault, so the same guest may still boot under TCG. */
export function isKvmFailure(reason: string): boolean {
  return /KVM|kvm/.test(reason);
}

/**
 * `virsh domstate --reason` output ("paused (internal error)", "crashed (panicked)",
 * "shut off (crashed)") → why the domain is dead, or null for a live or booting one.
 * A domain paused for I/O errors or by a user is not dead.
 */
export function libvirtDeadState(domstate: string): string | null {
  const m = /^\s*([a-z ]+?)\s*(?:\(([^)]*)\))?\s*$/m.exec(domstate.trim());
  if (!m) return null;
  const [, state, reason = ''] = m;
  if (state === 'paused' && /internal error|crashed|panicked/.test(reason))
    return `libvirt domain paused (${reason}): the guest hit an error the hypervisor cannot recover from`;
  if (state === 'crashed') return `libvirt domain crashed${reason ? ` (${reason})` : ''}`;
  if (state === 'shut off' && /crashed|failed/.test(reason)) return `libvirt domain shut off (${reason})`;
  return null;
}

/** The last lines of a QEMU register dump worth quoting (the faulting code bytes). */
export function dumpExcerpt(qemuOutput: string, maxChars = 400): string {
  const lines = qemuOutput.split('\n').filter((l) => /KVM|emulation|^Code=|^EFER=|^CR0=/.test(l));
  const text = lines.join(' … ');
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** A VM whose guest died while booting (KVM error, paused domain, QEMU gone): not worth waiting for. */
export class GuestDiedError extends Error {
  constructor(
    message: string,
    /** the short cause, e.g. "KVM internal error (suberror 1: emulation failure)" */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The one error for a guest that died under KVM when KVM was asked for explicitly (no fallback then). */
export function explicitKvmFailed(err: GuestDiedError): Error {
  return new Error(
    `${err.message}. KVM was asked for explicitly (qemu.accel: kvm) and this host cannot run the worker kernel under it; use qemu.accel: auto (falls back to TCG) or tcg`,
  );
}
