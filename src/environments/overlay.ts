// The VXLAN device that joins one host's part of a run's segment (its bridge: versus's for
// native, the engine's for docker and gVisor) to the other hosts' parts (docs/hosts.md).
// Pure: shell text, run on the host over SSH by the environment over hosts.
import { shellQuote } from '../ssh/quote.js';
import { segmentNames } from './segment.js';
import type { SegmentSpan } from './types.js';

const VXLAN_PORT = 4789;

/**
 * Shell: the names of this namespace's links starting with one of `prefixes`, one a line. From
 * `ip`, not /sys/class/net: a process that entered the host's network namespace alone (as
 * the test hosts' sshd does) still sees the /sys of the namespace that mounted it.
 */
export function linksStarting(prefixes: readonly string[]): string {
  const cases = prefixes.map((p) => `${p}*`).join('|');
  return `ip -o link show | while read -r _ l _; do l=\${l%:}; l=\${l%@*}; case "$l" in ${cases}) echo "$l";; esac; done`;
}

/**
 * The overlay on `bridge`: no learning, no multicast, one static flood entry per peer host,
 * so nothing is ever sent to an address that is not one of the run's hosts; its alias names
 * the run, so `clean --hosts` finds it after a crash whatever bridge it sat on. Pure.
 */
export function overlayUpScript(
  runId: string,
  bridge: string,
  vxlan: NonNullable<SegmentSpan['vxlan']>,
  mtu: number,
): string {
  const n = segmentNames(runId);
  return [
    'set -e',
    `ip link add ${n.vxlan} mtu ${mtu} type vxlan id ${vxlan.vni} dstport ${VXLAN_PORT} local ${vxlan.local} nolearning`,
    `ip link set ${n.vxlan} alias ${shellQuote(n.alias)}`,
    ...vxlan.peers.map((p) => `bridge fdb append 00:00:00:00:00:00 dev ${n.vxlan} dst ${p}`),
    `ip link set ${n.vxlan} master ${bridge} up`,
  ].join('\n');
}

/** Removes the run's overlay device on this host if it is there; prints what it removed. Pure. */
export function overlayDownScript(runId: string): string {
  const x = segmentNames(runId).vxlan;
  return `if ip link show dev ${x} >/dev/null 2>&1; then ip link del ${x} && echo "link ${x}"; fi; true`;
}

/**
 * Removes overlay devices whose alias names a run of no experiment in `live` (clean --hosts),
 * or, with `experimentId`, only that experiment's (its end). Prints what it removed. Pure.
 */
/**
 * A shell function `spared NAME`: true for a name a clean must leave alone — a live
 * experiment's, or, when the clean is one experiment's end, every other experiment's.
 * Names are `<prefix><experiment id>-…`. Pure.
 */
export function sparedFunction(live: readonly string[], experimentId?: string, prefix = ''): string {
  const cases = live.map((id) => `${shellQuote(`${prefix}${id}`)}-*) return 0;;`);
  if (experimentId) cases.push(`${shellQuote(`${prefix}${experimentId}`)}-*) return 1;;`, '*) return 0;;');
  return `spared() { case "$1" in ${cases.join(' ')} esac; return 1; }`;
}

export function overlayCleanScript(live: readonly string[], experimentId?: string): string {
  const keep = live.map((id) => `${shellQuote(`versus-${id}`)}-*`).join('|');
  const only = experimentId ? `${shellQuote(`versus-${experimentId}`)}-*` : '*';
  return `for x in $(${linksStarting(['vsx'])}); do a=$(ip -o link show dev "$x" | sed -n 's/.* alias \\(versus-[^ ]*\\).*/\\1/p'); [ -n "$a" ] || continue; case "$a-" in ${keep ? `${keep}) continue;; ` : ''}${only}) ip link del "$x" && echo "link $x";; esac; done; true`;
}
