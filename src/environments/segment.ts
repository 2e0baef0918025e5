// A run's private L2 segment on this machine: a Linux bridge with no address of the
// host's, no uplink and no route, and a network namespace per native worker joined to
// it by a veth pair. Every name carries the run id (the bridge through its alias, as
// interface names hold 15 bytes), so an experiment removes its own and `versus clean`
// the leftovers of experiments no longer running.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { sha256 } from '../util/hash.js';

const run = promisify(execFile);
const NETNS_DIR = '/run/netns';
const ALIAS = 'versus-';
/** the segment's addresses: 10.77.0.0/16, workers from .0.2 up (no host address on it) */
const PREFIX_LEN = 16;

/** The names of one run's segment. Pure. */
export function segmentNames(runId: string) {
  const h = sha256(runId).slice(0, 8);
  return {
    bridge: `vsb${h}`,
    alias: `${ALIAS}${runId}`,
    netns: (i: number) => `${ALIAS}${runId}-${i}`,
    vethHost: (i: number) => `vsv${h}${i.toString(36)}`,
    tap: (i: number) => `vst${h}${i.toString(36)}`,
    /** every link of the run on the host side (veths, taps) starts with one of these */
    linkPrefixes: [`vsv${h}`, `vst${h}`],
  };
}

/** The MAC of worker i's NIC on the segment: locally administered, QEMU's prefix. Pure. */
export function segmentMac(i: number): string {
  const n = i + 2;
  return `52:54:00:77:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

/** The address of worker `i` on its run's segment. Pure. */
export function segmentAddress(i: number): string {
  const n = i + 2;
  return `10.77.${n >> 8}.${n & 255}`;
}

async function ip(args: readonly string[], input?: string): Promise<void> {
  try {
    if (input === undefined) await run('ip', [...args]);
    else {
      const child = execFile('ip', [...args]);
      const done = new Promise<void>((resolve, reject) =>
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))),
      );
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      child.stdin?.end(input);
      await done.catch((err: Error) => {
        throw new Error(`${err.message}: ${stderr.trim()}`);
      });
    }
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`ip ${args.join(' ')}: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** The bridge of a run, up, with no address: its workers see each other and nothing else. */
export async function createBridge(runId: string): Promise<string> {
  const n = segmentNames(runId);
  await ip(['link', 'add', n.bridge, 'type', 'bridge']);
  await ip(['link', 'set', n.bridge, 'alias', n.alias]);
  await ip(['link', 'set', n.bridge, 'up']);
  return n.bridge;
}

/** Worker i's namespace on the run's bridge: eth0 with its address, lo up, no default route. */
export async function joinNetns(runId: string, i: number): Promise<{ netns: string; address: string }> {
  const n = segmentNames(runId);
  const netns = n.netns(i);
  const address = segmentAddress(i);
  await ip(['netns', 'add', netns]);
  await ip(['link', 'add', n.vethHost(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await ip(['link', 'set', n.vethHost(i), 'master', n.bridge, 'up']);
  await ip(
    ['-n', netns, '-batch', '-'],
    `addr add ${address}/${PREFIX_LEN} dev eth0\nlink set eth0 up\nlink set lo up\n`,
  );
  return { netns, address };
}

/** Worker i's tap on the run's bridge, for a VM's NIC (QEMU opens it by name; no helper, no script). */
export async function createTap(runId: string, i: number): Promise<string> {
  const n = segmentNames(runId);
  const tap = n.tap(i);
  await ip(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
  await ip(['link', 'set', tap, 'master', n.bridge, 'up']);
  return tap;
}

/** Removes a run's namespaces (their veths go with them), taps and bridge; what was there, by name. */
export async function removeSegment(runId: string): Promise<string[]> {
  const n = segmentNames(runId);
  const removed: string[] = [];
  // the host ends of veths and taps first: a namespace outlives its name while a process
  // holds it, and its veth with it
  const [veth, tap] = n.linkPrefixes;
  for (const link of hostLinks().filter((l) => l.startsWith(veth!) || l.startsWith(tap!))) {
    await ip(['link', 'del', link]).catch(() => {});
    removed.push(`${link.startsWith(tap!) ? 'tap' : 'veth'} ${link}`);
  }
  for (const ns of listNetns().filter(
    (x) => x.startsWith(`${n.alias}-`) && /^\d+$/.test(x.slice(n.alias.length + 1)),
  )) {
    await ip(['netns', 'del', ns]).catch(() => {});
    removed.push(`netns ${ns}`);
  }
  if (fs.existsSync(`/sys/class/net/${n.bridge}`)) {
    await ip(['link', 'del', n.bridge]);
    removed.push(`bridge ${n.bridge} (${n.alias})`);
  }
  return removed;
}

/** Every network namespace on this machine by name. */
export function listNetns(): string[] {
  try {
    return fs.readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
}

/** The run ids of every versus segment on this machine (bridges by alias, namespaces by name). */
export function segmentRuns(): string[] {
  const runs = new Set<string>();
  for (const ns of listNetns()) {
    const m = /^versus-(.+)-\d+$/.exec(ns);
    if (m) runs.add(m[1]!);
  }
  for (const link of hostLinks().filter((l) => l.startsWith('vsb'))) {
    const alias = readAlias(link);
    if (alias?.startsWith(ALIAS)) runs.add(alias.slice(ALIAS.length));
  }
  return [...runs].sort();
}

function hostLinks(): string[] {
  try {
    return fs.readdirSync('/sys/class/net');
  } catch {
    return [];
  }
}

function readAlias(link: string): string | null {
  try {
    return fs.readFileSync(`/sys/class/net/${link}/ifalias`, 'utf8').trim() || null;
  } catch {
    return null;
  }
}
