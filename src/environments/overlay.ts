// The VXLAN device that joins one host's part of a run's segment (its bridge: versus's for
// native, the engine's for docker and gVisor) to the other hosts' parts (docs/hosts.md).
// Pure: shell text, run on the host over SSH by the environment over hosts.
import { shellQuote } from '../ssh/quote.js';
import { segmentNames } from './segment.js';
import type { SegmentSpan } from './types.js';

const VXLAN_PORT = 4789;

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
