import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../image/manifest.js';
import { run } from '../../util/exec.js';
import { writeJsonAtomic } from '../../util/files.js';
import { sha256 } from '../../util/hash.js';
import { type Accelerator, accelArgs, MACHINE } from './args.js';

export type { Accelerator };

import { type ProbeTarget, runKvmProbe } from './kvmProbe.js';
import { PROBE_SCRIPT } from './probeInitrd.js';

export interface AccelChoice {
  accel: Accelerator;
  /** why this one: what was probed and what failed */
  reason: string;
  /** when the KVM verdict was established (ISO), for probed choices */
  probedAt?: string;
  /** true when the verdict came from the cache under ~/.cache/versus/accel */
  cached?: boolean;
}

/** A KVM verdict as cached: valid while every fact in `facts` is unchanged. */
export interface Verdict {
  accel: 'kvm' | 'tcg';
  reason: string;
  probedAt: string;
  probeSeconds: number | null;
  facts: Record<string, string>;
}

export function verdictsDir(): string {
  return path.join(cacheDir(), 'accel');
}

/** Cache key of a verdict: everything that decides whether this kernel boots under KVM. Pure. */
export function verdictKey(facts: Record<string, string>): string {
  const sorted = Object.keys(facts)
    .sort()
    .map((k) => [k, facts[k]]);
  return sha256(JSON.stringify(sorted)).slice(0, 24);
}

function cpuInfoFacts(): { cpu: string; cpuFlags: string } {
  const first = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n\n')[0] ?? '';
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim() ?? '';
  return { cpu: field('model name'), cpuFlags: sha256(field('flags')).slice(0, 16) };
}

function fileHash(file: string): string {
  return sha256(fs.readFileSync(file)).slice(0, 16);
}

/** The facts a verdict depends on: QEMU, the guest kernel, the host CPU, this /dev/kvm, the flags. */
export async function verdictFacts(target: ProbeTarget): Promise<Record<string, string>> {
  const qemu = (await run(target.binary, ['--version'], { allowFail: true, timeoutMs: 10_000 })).stdout.split('\n')[0];
  const kvm = fs.statSync('/dev/kvm');
  let bootId = '';
  try {
    bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // not Linux: the device identity alone
  }
  return {
    qemuBinary: target.binary,
    qemu: (qemu ?? '').trim(),
    kernel: fileHash(target.kernel),
    initrd: fileHash(target.initrd),
    ...cpuInfoFacts(),
    kvmDevice: `${kvm.rdev}:${kvm.ino}@${bootId}`,
    flags: [MACHINE, ...accelArgs('kvm')].join(' '),
    probe: sha256(PROBE_SCRIPT).slice(0, 8),
  };
}

export function readVerdict(facts: Record<string, string>): Verdict | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(verdictsDir(), `${verdictKey(facts)}.json`), 'utf8')) as Verdict;
    return v.accel === 'kvm' || v.accel === 'tcg' ? v : null;
  } catch {
    return null;
  }
}

export function writeVerdict(v: Verdict): void {
  fs.mkdirSync(verdictsDir(), { recursive: true });
  writeJsonAtomic(path.join(verdictsDir(), `${verdictKey(v.facts)}.json`), v);
}

/** Why KVM cannot even be tried on this host, or null when /dev/kvm is there and usable. */
function kvmUnavailable(): string | null {
  if (!fs.existsSync('/dev/kvm')) return 'no /dev/kvm: software emulation (TCG)';
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return '/dev/kvm is not accessible to this user: TCG';
  }
  return null;
}

/**
 * The accelerator for worker VMs. With `auto`, KVM only when the worker kernel really
 * boots to user space under it (runKvmProbe), a verdict cached per host and image;
 * `reprobe` ignores the cache.
 */
export async function chooseAccelerator(
  requested: 'auto' | Accelerator,
  target: ProbeTarget,
  opts: { reprobe?: boolean } = {},
): Promise<AccelChoice> {
  if (requested !== 'auto') return { accel: requested, reason: 'requested in the config' };
  if (process.platform === 'darwin') return { accel: 'hvf', reason: 'macOS: Hypervisor.framework' };
  const unavailable = kvmUnavailable();
  if (unavailable) return { accel: 'tcg', reason: unavailable };
  const facts = await verdictFacts(target);
  const cached = opts.reprobe ? null : readVerdict(facts);
  if (cached) return { accel: cached.accel, reason: cached.reason, probedAt: cached.probedAt, cached: true };
  const outcome = await runKvmProbe(target, verdictsDir());
  const verdict: Verdict = {
    accel: outcome.ok ? 'kvm' : 'tcg',
    reason: outcome.reason,
    probedAt: new Date().toISOString(),
    probeSeconds: outcome.seconds,
    facts,
  };
  writeVerdict(verdict);
  return { accel: verdict.accel, reason: verdict.reason, probedAt: verdict.probedAt, cached: false };
}

/** A worker died under KVM although the probe passed: remember TCG for this host and image. */
export async function recordKvmFailure(target: ProbeTarget, reason: string): Promise<void> {
  if (kvmUnavailable()) return;
  writeVerdict({
    accel: 'tcg',
    reason: `a worker VM died under KVM (${reason})`,
    probedAt: new Date().toISOString(),
    probeSeconds: null,
    facts: await verdictFacts(target),
  });
}

/** The cached verdict for this host and image, for `versus doctor`; null when never probed. */
export async function cachedVerdict(target: ProbeTarget): Promise<Verdict | null> {
  if (kvmUnavailable()) return null;
  return readVerdict(await verdictFacts(target));
}

/** "TCG — KVM probe: …" as printed before any VM starts. Pure. */
export function describeChoice(backend: string, c: AccelChoice, now = Date.now()): string {
  const age = c.probedAt
    ? ` (${c.cached ? 'cached verdict, ' : ''}probed ${ageText(now - Date.parse(c.probedAt))})`
    : '';
  return `${backend}: ${c.accel.toUpperCase()} — ${c.reason}${age}`;
}

export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
