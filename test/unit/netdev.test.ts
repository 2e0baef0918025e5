// Network counters: /proc/net/dev summed over a worker's own interfaces (never loopback),
// deltas between readings, and the Docker stats frames' networks.
import { describe, expect, it } from 'vitest';
import { StatsFrames } from '../../src/sampling/dockerSampler.js';
import { dockerNetTotals } from '../../src/sampling/dockerStats.js';
import { netDelta, parseNetDev } from '../../src/sampling/netdev.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9000000     900    0    0    0     0          0         0  9000000     900    0    0    0     0       0          0
  eth0: 4096000    3000    0    0    0     0          0         0   120000    1500    0    0    0     0       0          0
  eth1:    1000      10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0
`;

describe('network counters', () => {
  it('sums every interface but loopback', () => {
    expect(parseNetDev(NET_DEV)).toEqual({ rxBytes: 4097000, rxPackets: 3010, txBytes: 122000, txPackets: 1520 });
  });
  it('gives what moved between two readings, and no negative traffic on a counter reset', () => {
    const a = { rxBytes: 100, rxPackets: 2, txBytes: 50, txPackets: 1 };
    const b = { rxBytes: 1600, rxPackets: 3, txBytes: 10, txPackets: 4 };
    expect(netDelta(a, b)).toEqual({ netRxBytes: 1500, netTxBytes: 0, netRxPackets: 1, netTxPackets: 3 });
  });
  it("reads a Docker stats frame's networks, and puts the deltas into the readings when asked", () => {
    const frame = (read: string, total: number, rx: number) => ({
      read,
      cpu_stats: { cpu_usage: { total_usage: total }, system_cpu_usage: total * 10, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 0 }, system_cpu_usage: 0, online_cpus: 2 },
      memory_stats: { usage: 1, limit: 2, stats: {} },
      networks: { eth0: { rx_bytes: rx, tx_bytes: rx / 10, rx_packets: rx / 1000, tx_packets: 1 } },
    });
    expect(dockerNetTotals(frame('a', 1, 5000))).toEqual({ rxBytes: 5000, txBytes: 500, rxPackets: 5, txPackets: 1 });
    expect(dockerNetTotals({})).toBeNull();
    const frames = new StatsFrames(1, true);
    frames.next(frame('2026-01-01T00:00:00Z', 1e9, 5000), Date.now());
    const r = frames.next(frame('2026-01-01T00:00:01Z', 2e9, 9000), Date.now());
    expect(r).toMatchObject({ netRxBytes: 4000, netTxBytes: 400, netRxPackets: 4, netTxPackets: 0 });
    const plainFrames = new StatsFrames(1);
    plainFrames.next(frame('2026-01-01T00:00:00Z', 1e9, 5000), Date.now());
    const plain = plainFrames.next(frame('2026-01-01T00:00:01Z', 2e9, 9000), Date.now());
    expect(plain).not.toBeNull();
    expect('netRxBytes' in plain!).toBe(false);
  });
});
