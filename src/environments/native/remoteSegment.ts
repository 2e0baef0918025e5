// A run's segment on a remote host, as shell text run there over SSH: the run's bridge,
// a network namespace per native worker on it (named and addressed by the worker's index
// in the whole run, so the hosts of one run never pick the same) and a host endpoint for a
// role placed on the host; the VXLAN device that joins this host's bridge to the other
// hosts' is overlay.ts's (docs/hosts.md). Pure: strings only; segment.ts does the same here
// with fs and ip calls.
import { shellQuote } from '../../ssh/quote.js';
import { linksStarting, overlayCleanScript, sparedFunction } from '../overlay.js';
import { segmentAddress, segmentNames } from '../segment.js';
import type { SegmentSpan } from '../types.js';

/** 10.77.0.0/16, as on this machine */
const PREFIX_LEN = 16;

/** Every command in order, stopping at the first that fails (its stderr is the HostError's). */
const script = (lines: readonly string[]) => ['set -e', ...lines].join('\n');

/** The bridge and a namespace per worker of this host (the overlay to the other hosts is overlay.ts's). Pure. */
export function segmentUpScript(runId: string, span: SegmentSpan): string {
  const n = segmentNames(runId);
  const mtu = span.mtu;
  const lines = [
    `ip link add ${n.bridge} mtu ${mtu} type bridge`,
    `ip link set ${n.bridge} alias ${shellQuote(n.alias)}`,
    `ip link set ${n.bridge} up`,
  ];
  for (const g of span.indices)
    lines.push(...attach(n.netns(g), n.vethHost(g), n.bridge, `${segmentAddress(g)}/${PREFIX_LEN}`, mtu));
  return script(lines);
}

/** Host endpoint k: a namespace on the run's bridge at `cidr`, for a role placed on the host. Pure. */
export function endpointUpScript(runId: string, k: number, bridge: string, cidr: string, mtu: number): string {
  const n = segmentNames(runId);
  return script([
    `ip link show dev ${bridge} >/dev/null 2>&1 || { echo "the run's segment has no bridge ${bridge} on this host: a role on the host cannot join it" >&2; exit 1; }`,
    ...attach(n.endpointNetns(k), n.endpointVeth(k), bridge, cidr, mtu),
  ]);
}

function attach(netns: string, veth: string, bridge: string, cidr: string, mtu: number): string[] {
  const ns = shellQuote(netns);
  return [
    `ip netns add ${ns}`,
    `ip link add ${veth} mtu ${mtu} type veth peer name eth0 mtu ${mtu} netns ${ns}`,
    `ip link set ${veth} master ${bridge} up`,
    `ip -n ${ns} addr add ${cidr} dev eth0`,
    `ip -n ${ns} link set eth0 up`,
    `ip -n ${ns} link set lo up`,
  ];
}

/**
 * Removes what a run made on this host: its links (veths, endpoints, the overlay), the
 * namespaces `netns` and the bridge. Prints one line per removed thing. Pure.
 */
export function segmentDownScript(runId: string, netns: readonly string[]): string {
  const n = segmentNames(runId);
  return [
    `for l in $(${linksStarting(n.linkPrefixes)}); do ip link del "$l" 2>/dev/null && echo "link $l"; done`,
    `for ns in ${netns.map(shellQuote).join(' ')}; do [ -e "/run/netns/$ns" ] || continue; ip netns del "$ns" && echo "netns $ns"; done`,
    `if ip link show dev ${n.bridge} >/dev/null 2>&1; then ip link del ${n.bridge} && echo "bridge ${n.bridge} (${n.alias})"; fi`,
    'true',
  ].join('\n');
}

/** Removes a run's host endpoints on this host (their veths and namespaces), not its segment. Pure. */
export function endpointsDownScript(runId: string, netns: readonly string[]): string {
  const veth = segmentNames(runId).linkPrefixes[2]!;
  return [
    `for l in $(${linksStarting([veth])}); do ip link del "$l" 2>/dev/null && echo "link $l"; done`,
    `for ns in ${netns.map(shellQuote).join(' ')}; do [ -e "/run/netns/$ns" ] || continue; ip netns del "$ns" && echo "netns $ns"; done`,
    'true',
  ].join('\n');
}

/**
 * `versus clean --hosts`: every versus bridge whose alias names a run not in `live`, its
 * links, and every versus namespace of such a run. Prints one line per removed thing. Pure.
 */
export function segmentCleanScript(live: readonly string[], experimentId?: string): string {
  return [
    sparedFunction(live, experimentId, 'versus-'),
    // a bridge's alias is versus-<run>; its links share the bridge's hash (vsb<hash> → vs?<hash>…)
    `for b in $(${linksStarting(['vsb'])}); do a=$(ip -o link show dev "$b" | sed -n 's/.* alias \\(versus-[^ ]*\\).*/\\1/p'); [ -n "$a" ] || continue; spared "$a-" && continue; h=\${b#vsb}; for l in $(${linksStarting(['vsv', 'vsh', 'vsx'])}); do case "$l" in vs?$h*) ip link del "$l" 2>/dev/null && echo "link $l";; esac; done; ip link del "$b" && echo "bridge $b ($a)"; done`,
    overlayCleanScript(live, experimentId),
    `for f in /run/netns/versus-*; do [ -e "$f" ] || continue; ns=\${f##*/}; spared "$ns" && continue; ip netns del "$ns" && echo "netns $ns"; done`,
    'true',
  ].join('\n');
}
