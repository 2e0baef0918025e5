import fs from 'node:fs';
import path from 'node:path';
import { Libvirt } from './libvirt.js';
import type { VagrantProvider } from './settings.js';

/**
 * The host process that runs a VM, for the host-side view of it: the QEMU of a
 * libvirt domain, or the VBoxHeadless of a VirtualBox VM.
 */

/** Finds VBoxHeadless started for a VM id among (pid, argv) pairs. Pure. */
export function findVBoxHeadless(processes: { pid: number; argv: string[] }[], vmId: string): number | null {
  for (const p of processes) {
    if (!p.argv[0] || path.basename(p.argv[0]) !== 'VBoxHeadless') continue;
    const i = p.argv.findIndex((a) => a === '--startvm' || a === '-startvm' || a === '-s');
    if (i >= 0 && p.argv[i + 1] === vmId) return p.pid;
  }
  return null;
}

function processTable(): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid: Number(d), argv });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

export function vmHostPid(
  provider: VagrantProvider,
  opts: { domain: string; dotfileDir: string; machine: string },
): number | null {
  if (provider === 'libvirt') return Libvirt.qemuPid(opts.domain);
  try {
    const id = fs.readFileSync(path.join(opts.dotfileDir, 'machines', opts.machine, 'virtualbox', 'id'), 'utf8').trim();
    return findVBoxHeadless(processTable(), id);
  } catch {
    return null;
  }
}

/** Pids of vagrant processes working on one run's state folder (a killed harness leaves `vagrant up` running). */
export function vagrantProcessesFor(dotfileDir: string): number[] {
  const marker = `VAGRANT_DOTFILE_PATH=${dotfileDir}\0`;
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (`${fs.readFileSync(`/proc/${d}/environ`, 'utf8')}\0`.includes(marker)) pids.push(Number(d));
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return pids;
}
