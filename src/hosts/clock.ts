// A host's clock against the harness's: several SSH round trips, the one with the
// shortest round trip kept (as NTP does), offset = remote - midpoint of the trip.

export interface ClockProbe {
  sentMs: number;
  receivedMs: number;
  remoteMs: number;
}

export interface ClockOffset {
  /** remote clock minus the harness's, ms */
  offsetMs: number;
  /** the round trip of the probe it came from: the offset is good to half of it */
  rttMs: number;
  probes: number;
}

export function bestOffset(probes: readonly ClockProbe[]): ClockOffset {
  if (probes.length === 0) throw new Error('no clock probe');
  const best = [...probes].sort((a, b) => a.receivedMs - a.sentMs - (b.receivedMs - b.sentMs))[0]!;
  return {
    offsetMs: best.remoteMs - (best.sentMs + best.receivedMs) / 2,
    rttMs: best.receivedMs - best.sentMs,
    probes: probes.length,
  };
}

/** `date +%s%N` (nanoseconds) in milliseconds. */
export function parseEpochNs(text: string): number {
  const t = text.trim();
  if (!/^\d{10,}$/.test(t)) throw new Error(`not an epoch in nanoseconds: ${JSON.stringify(t.slice(0, 40))}`);
  return Number(BigInt(t) / 1000n) / 1000;
}
