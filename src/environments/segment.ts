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
    /** a host endpoint's namespace and the host side of its veth (a role placed on the host) */
    endpointNetns: (k: number) => `${ALIAS}${runId}-h${k}`,
    endpointVeth: (k: number) => `vsh${h}${k.toString(36)}`,
    /** an engine's bridge for the run's network, named by versus so a host endpoint can find it */
    engineBridge: `vse${h}`,
    /** the run's overlay to its other hosts' bridges (a segment spanning hosts) */
    vxlan: `vsx${h}`,
    /** every link of the run on the host side (veths, taps, endpoints' veths, the overlay) starts with one of these */
    linkPrefixes: [`vsv${h}`, `vst${h}`, `vsh${h}`, `vsx${h}`],
  };
}

/** Where a run's segment is on this machine: the bridge a host endpoint joins and the segment's subnet. */
export interface SegmentPort {
  bridge: string;
  /** a.b.c.d/len */
  subnet: string;
  /** the segment's MTU when not 1500 (one spanning hosts: the overlay's share taken off) */
  mtu?: number;
}

/** versus's own segments (native, qemu): 10.77.0.0/16 on the run's bridge. Pure. */
export function ownSegmentPort(runId: string): SegmentPort {
  return { bridge: segmentNames(runId).bridge, subnet: `10.77.0.0/${PREFIX_LEN}` };
}

/**
 * The address of host endpoint k on a segment: from the top of its subnet down (the
 * broadcast address less 1 + k), where neither versus nor an engine's allocator (which
 * counts up from the bottom) puts a worker. Pure.
 */
export function hostEndpointAddress(subnet: string, k: number): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(subnet);
  if (!m) throw new Error(`segment subnet ${JSON.stringify(subnet)} is not an IPv4 a.b.c.d/len`);
  const len = Number(m[5]);
  const base = m.slice(1, 5).reduce((n, x) => n * 256 + Number(x), 0);
  const size = 2 ** (32 - len);
  if (len > 24 || k + 2 > size / 4) throw new Error(`segment subnet ${subnet} is too small for host endpoint ${k}`);
  const n = base - (base % size) + size - 2 - k;
  return [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join('.');
}

/** The MAC of worker i's NIC on the segment: locally administered, QEMU's prefix. Pure. */
export function segmentMac(i: number): string {
  const n = i + 2;
  return `52:54:00:77:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`;
}

/** The address of worker `i` on its run's segment (10.77.0.0/16, or 10.<octet>.0.0/16). Pure. */
export function segmentAddress(i: number, octet = 77): string {
  const n = i + 2;
  return `10.${octet}.${n >> 8}.${n & 255}`;
}

/**
 * The /16 of an engine's network that spans hosts: the engine refuses two networks with
 * overlapping subnets, so each run gets one of 10.64–10.127 by its id's hash (10.77 is
 * versus's own segments'); two experiments at once on one engine clash once in 64. Pure.
 */
export function engineSpanOctet(runId: string): number {
  return 64 + (Number.parseInt(sha256(runId).slice(8, 12), 16) % 64);
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

/** The bridge of a run (versus's own, or one named for an engine), up, with no address: its workers see each other and nothing else. */
export async function createBridge(runId: string, name = segmentNames(runId).bridge): Promise<string> {
  await ip(['link', 'add', name, 'type', 'bridge']);
  await ip(['link', 'set', name, 'alias', segmentNames(runId).alias]);
  await ip(['link', 'set', name, 'up']);
  return name;
}

/** Worker i's namespace on the run's bridge: eth0 with its address, lo up, no default route. */
export async function joinNetns(runId: string, i: number): Promise<{ netns: string; address: string }> {
  const n = segmentNames(runId);
  const address = segmentAddress(i);
  await attachNetns(n.netns(i), n.vethHost(i), n.bridge, `${address}/${PREFIX_LEN}`);
  return { netns: n.netns(i), address };
}

/**
 * Host endpoint k of a run: a namespace of versus's own on the run's segment, whoever made
 * it (versus's bridge, an engine's network), with an address the harness picks at the top of
 * the segment's subnet; for a role placed on the host.
 */
export async function joinHostEndpoint(
  runId: string,
  port: SegmentPort,
  k: number,
): Promise<{ netns: string; address: string }> {
  const n = segmentNames(runId);
  if (!fs.existsSync(`/sys/class/net/${port.bridge}`))
    throw new Error(
      `the run's segment has no bridge ${port.bridge} on this machine: a role on the host cannot join it`,
    );
  const address = hostEndpointAddress(port.subnet, k);
  await attachNetns(n.endpointNetns(k), n.endpointVeth(k), port.bridge, `${address}/${port.subnet.split('/')[1]}`);
  return { netns: n.endpointNetns(k), address };
}

/** A new namespace whose eth0 is one end of a veth pair, the other end on `bridge`: address, lo up, no default route. */
async function attachNetns(netns: string, veth: string, bridge: string, cidr: string): Promise<void> {
  await ip(['netns', 'add', netns]);
  await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await ip(['link', 'set', veth, 'master', bridge, 'up']);
  await ip(['-n', netns, '-batch', '-'], `addr add ${cidr} dev eth0\nlink set eth0 up\nlink set lo up\n`);
}

/** Removes a run's host endpoints (namespaces and veths) and nothing else of its segment; what was there. */
export async function removeHostEndpoints(runId: string): Promise<string[]> {
  const n = segmentNames(runId);
  const removed: string[] = [];
  const veth = n.linkPrefixes[2]!;
  for (const link of hostLinks().filter((l) => l.startsWith(veth))) {
    await ip(['link', 'del', link]).catch(() => {});
    removed.push(`veth ${link}`);
  }
  for (const ns of listNetns().filter(
    (x) => x.startsWith(`${n.alias}-h`) && /^\d+$/.test(x.slice(n.alias.length + 2)),
  )) {
    await ip(['netns', 'del', ns]).catch(() => {});
    removed.push(`netns ${ns}`);
  }
  return removed;
}

/** Removes a bridge of the run's by name if it is still there (an engine's that outlived its network). */
export async function removeBridgeIfLeft(bridge: string): Promise<string[]> {
  if (!fs.existsSync(`/sys/class/net/${bridge}`)) return [];
  await ip(['link', 'del', bridge]).catch(() => {});
  return [`bridge ${bridge}`];
}

/** Worker i's tap on the run's bridge, for a VM's NIC (QEMU opens it by name; no helper, no script). */
export async function createTap(runId: string, i: number): Promise<string> {
  const n = segmentNames(runId);
  const tap = n.tap(i);
  await ip(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
  await ip(['link', 'set', tap, 'master', n.bridge, 'up']);
  return tap;
}

/**
 * The port of `bridge` that carries the NIC with MAC `guestMac`: libvirt names a domain's
 * tap itself (vnetN) and gives it the guest's MAC with the first byte fe, so it is found by
 * the other five. Null when there is none.
 */
export function bridgePortOf(bridge: string, guestMac: string): string | null {
  const tail = guestMac.toLowerCase().slice(3);
  let ports: string[];
  try {
    ports = fs.readdirSync(`/sys/class/net/${bridge}/brif`);
  } catch {
    return null;
  }
  return ports.find((p) => readMac(p)?.slice(3) === tail) ?? null;
}

function readMac(link: string): string | null {
  try {
    return fs.readFileSync(`/sys/class/net/${link}/address`, 'utf8').trim().toLowerCase();
  } catch {
    return null;
  }
}

/** Whether QEMU can hand the segment NIC's data path to the kernel (vhost-net). */
export function hasVhostNet(): boolean {
  return fs.existsSync('/dev/vhost-net');
}

/** What network bridge gives a VM, for experiment.json: vhost-net as the host QEMU runs on has it (default: this machine). Pure but for the default. */
export function bridgeNicFact(vhost: boolean = hasVhostNet()): string {
  return `virtio-net on a tap on the run's bridge, ${vhost ? 'vhost-net' : 'no vhost-net (/dev/vhost-net absent: QEMU moves the packets)'}`;
}

/** Removes a run's namespaces (their veths go with them), taps and bridge; what was there, by name. */
export async function removeSegment(runId: string): Promise<string[]> {
  const n = segmentNames(runId);
  const removed: string[] = [];
  // the host ends of veths and taps first: a namespace outlives its name while a process
  // holds it, and its veth with it
  const tap = n.linkPrefixes[1]!;
  for (const link of hostLinks().filter((l) => n.linkPrefixes.some((p) => l.startsWith(p)))) {
    await ip(['link', 'del', link]).catch(() => {});
    removed.push(`${link.startsWith(tap) ? 'tap' : link.startsWith(n.vxlan) ? 'vxlan' : 'veth'} ${link}`);
  }
  for (const ns of listNetns().filter(
    (x) => x.startsWith(`${n.alias}-`) && /^h?\d+$/.test(x.slice(n.alias.length + 1)),
  )) {
    await ip(['netns', 'del', ns]).catch(() => {});
    removed.push(`netns ${ns}`);
  }
  for (const bridge of [n.bridge, n.engineBridge])
    if (fs.existsSync(`/sys/class/net/${bridge}`)) {
      await ip(['link', 'del', bridge]);
      removed.push(`bridge ${bridge} (${n.alias})`);
    }
  return removed;
}

/** At an experiment's end: the segments of its own runs (ids `<experimentId>-…`), never another's; what was there. */
export async function removeExperimentSegments(experimentId: string): Promise<string[]> {
  const removed: string[] = [];
  for (const runId of segmentRuns().filter((r) => r.startsWith(`${experimentId}-`)))
    removed.push(...(await removeSegment(runId)));
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
    const m = /^versus-(.+)-h?\d+$/.exec(ns);
    if (m) runs.add(m[1]!);
  }
  for (const link of hostLinks().filter((l) => l.startsWith('vsb') || l.startsWith('vse'))) {
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
