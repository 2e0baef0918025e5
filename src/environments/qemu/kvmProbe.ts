import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../util/hash.js';
import { stopChild } from '../../util/process.js';
import { dumpExcerpt, guestDeathReason } from '../vm/guestDeath.js';
import { directBootArgs } from './args.js';
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

/** QEMU's arguments for the probe guest: the worker VMs' machine and CPU, the console on stdout. Pure. */
export function probeArgs(kernel: string, initrd: string): string[] {
  return [
    ...directBootArgs({ accel: 'kvm', cpus: 1, memoryMiB: 256, kernel, initrd, cmdline: probeCmdline() }),
    '-serial',
    'stdio',
  ];
}

/** The probe QEMU's output as it arrives, wherever it runs. */
export interface ProbeStreams {
  onStdout(cb: (text: string) => void): void;
  onStderr(cb: (text: string) => void): void;
  /** ended (or could not start): how */
  onEnd(cb: (how: string) => void): void;
}

/** Watches a probe QEMU until its guest prints the marker, dies, QEMU ends or time runs out. */
export function watchProbe(p: ProbeStreams, binary: string, timeoutMs: number): Promise<ProbeOutcome> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  return new Promise<ProbeOutcome>((resolve) => {
    let settled = false;
    const done = (ok: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      resolve({ ok, reason: ok ? `${reason} in ${seconds.toFixed(1)} s` : reason, seconds });
    };
    const timer = setTimeout(
      () => done(false, `KVM probe guest did not reach user space within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    p.onStdout((d) => {
      stdout += d;
      if (stdout.includes(PROBE_MARKER)) done(true, 'KVM probe guest reached user space');
    });
    p.onStderr((d) => {
      stderr = (stderr + d).slice(-8000);
      const death = guestDeathReason(stderr);
      if (death) done(false, `KVM probe: guest died with "${death}" (${dumpExcerpt(stderr, 200)})`);
    });
    p.onEnd((how) => {
      if (stdout.includes(PROBE_MARKER)) return done(true, 'KVM probe guest reached user space');
      const said = stderr.trim().split('\n')[0] || how;
      done(false, `KVM probe: ${binary} ended before the guest reached user space (${said})`);
    });
  });
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
  // its own process group: a wrapper around QEMU (a distribution's, or a test's stand-in)
  // goes with everything it started, even a child caught between fork and exec
  const child = spawn(target.binary, probeArgs(target.kernel, initrd), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const outcome = await watchProbe(
    {
      onStdout: (cb) => child.stdout.on('data', (d: Buffer) => cb(d.toString())),
      onStderr: (cb) => child.stderr.on('data', (d: Buffer) => cb(d.toString())),
      onEnd: (cb) => {
        child.on('error', (err) => cb(`did not start: ${err.message}`));
        child.on('exit', (code, sig) => cb(`exit ${sig ?? code}`));
      },
    },
    target.binary,
    timeoutMs,
  );
  if (child.pid !== undefined)
    await stopChild(
      child,
      [
        ['SIGKILL', 5000],
        ['SIGKILL', 0],
      ],
      (signal) => killGroup(child.pid!, signal),
    );
  return outcome;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
