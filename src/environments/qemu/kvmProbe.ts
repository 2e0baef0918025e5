import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../util/hash.js';
import { stopChild } from '../../util/process.js';
import { directBootArgs } from './args.js';
import { dumpExcerpt, guestDeathReason } from './guestDeath.js';
import { PROBE_MARKER, probeCmdline, probeInitrd } from './probeInitrd.js';

/** What the probe boots: the worker image's kernel and initrd, with the QEMU a run uses. */
export interface ProbeTarget {
  binary: string;
  kernel: string;
  initrd: string;
}

export interface ProbeOutcome {
  ok: boolean;
  /** one sentence: what the guest did */
  reason: string;
  seconds: number;
}

/** A working KVM guest reaches user space in 1–3 s; anything this slow is not usable KVM. */
export const PROBE_TIMEOUT_MS = 20_000;

/** Writes (once per initrd) the image's initrd with the probe init appended; returns its path. */
export function probeInitrdFile(initrd: string, dir: string): string {
  const data = fs.readFileSync(initrd);
  const file = path.join(dir, `probe-initrd-${sha256(data).slice(0, 16)}.img`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, probeInitrd(data));
    fs.renameSync(tmp, file);
  }
  return file;
}

/**
 * Boots the worker kernel under KVM with the worker VMs' machine type and CPU model, and
 * succeeds only when the guest's own init prints the marker on the serial console. A KVM
 * error on stderr ends it at once; QEMU is always killed before this returns.
 */
export async function runKvmProbe(
  target: ProbeTarget,
  workDir: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeOutcome> {
  const initrd = probeInitrdFile(target.initrd, workDir);
  const args = [
    ...directBootArgs({
      accel: 'kvm',
      cpus: 1,
      memoryMiB: 256,
      kernel: target.kernel,
      initrd,
      cmdline: probeCmdline(),
    }),
    '-serial',
    'stdio',
  ];
  const started = Date.now();
  // its own process group: a wrapper around QEMU (a distribution's, or a test's stand-in)
  // goes with everything it started, even a child caught between fork and exec
  const child = spawn(target.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  const outcome = await new Promise<ProbeOutcome>((resolve) => {
    const done = (ok: boolean, reason: string) => {
      clearTimeout(timer);
      resolve({ ok, reason, seconds: (Date.now() - started) / 1000 });
    };
    const timer = setTimeout(
      () => done(false, `KVM probe guest did not reach user space within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes(PROBE_MARKER)) done(true, 'KVM probe guest reached user space');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
      const death = guestDeathReason(stderr);
      if (death) done(false, `KVM probe: guest died with "${death}" (${dumpExcerpt(stderr, 200)})`);
    });
    child.on('error', (err) => done(false, `KVM probe: ${target.binary} did not start (${err.message})`));
    child.on('exit', (code, sig) => {
      if (stdout.includes(PROBE_MARKER)) return done(true, 'KVM probe guest reached user space');
      const said = stderr.trim().split('\n')[0] || `exit ${sig ?? code}`;
      done(false, `KVM probe: QEMU ended before the guest reached user space (${said})`);
    });
  });
  if (child.pid !== undefined)
    await stopChild(
      child,
      [
        ['SIGKILL', 5000],
        ['SIGKILL', 0],
      ],
      (signal) => killGroup(child.pid!, signal),
    );
  return outcome.ok ? { ...outcome, reason: `${outcome.reason} in ${outcome.seconds.toFixed(1)} s` } : outcome;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
