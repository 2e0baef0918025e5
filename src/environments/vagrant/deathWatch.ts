import fs from 'node:fs';
import path from 'node:path';
import { dumpExcerpt, guestDeathReason, libvirtDeadState } from '../vm/guestDeath.js';
import type { Libvirt } from './libvirt.js';

export interface DomainDeath {
  domain: string;
  reason: string;
  /** the register dump or the state line, to quote */
  excerpt: string;
  /** from the first poll that saw the domain to the one that saw it dead (an upper bound to the time to notice) */
  secondsAfterStart: number;
}

/** What a file holds past `offset` (at most its last 64 KiB), and its size. */
function readFrom(file: string, offset: number): { text: string; size: number } {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const from = Math.max(offset, size - 65_536, 0);
      const buf = Buffer.alloc(Math.max(0, size - from));
      fs.readSync(fd, buf, 0, buf.length, from);
      return { text: buf.toString(), size };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { text: '', size: 0 };
  }
}

/**
 * Polls the run's libvirt domains while `vagrant up` boots them: a KVM error in a
 * domain's log or a domain paused for an internal error calls onDeath once, within
 * about a second. Returns the function that stops the watch.
 */
export function watchDomains(
  libvirt: Libvirt,
  prefix: string,
  onDeath: (death: DomainDeath) => void,
  intervalMs = 1000,
): () => void {
  let stopped = false;
  // a domain log of an earlier run with the same name must not count: only what is written from now on
  const offsets = new Map<string, number>();
  const logSince = (domain: string): string => readFrom(libvirt.domainLogFile(domain), offsets.get(domain) ?? 0).text;
  const logDir = path.dirname(libvirt.domainLogFile(`${prefix}x`));
  for (const f of fs.existsSync(logDir) ? fs.readdirSync(logDir) : []) {
    if (f.startsWith(prefix) && f.endsWith('.log')) offsets.set(f.slice(0, -4), fs.statSync(path.join(logDir, f)).size);
  }
  const firstSeen = new Map<string, number>();
  const tick = async () => {
    if (stopped) return;
    for (const domain of await libvirt.domains(prefix).catch(() => [])) {
      if (!firstSeen.has(domain)) firstSeen.set(domain, Date.now());
      const log = logSince(domain);
      const fromLog = guestDeathReason(log);
      const fromState = fromLog ? null : libvirtDeadState(await libvirt.domainState(domain));
      const reason = fromLog ?? fromState;
      if (reason && !stopped) {
        stopped = true;
        const secondsAfterStart = (Date.now() - firstSeen.get(domain)!) / 1000;
        onDeath({ domain, reason, excerpt: fromLog ? dumpExcerpt(log) : reason, secondsAfterStart });
        return;
      }
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  let timer = setTimeout(() => void tick(), intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
