// A run's segment names and addresses: pure, so that the harness never picks an address a
// worker holds, and every name of a run carries the run (its cleanup finds them all).
import { describe, expect, it } from 'vitest';
import {
  bridgeNicFact,
  hostEndpointAddress,
  ownSegmentPort,
  segmentAddress,
  segmentMac,
  segmentNames,
} from '../../src/environments/segment.js';

describe('host endpoints on a segment', () => {
  it('take addresses from the top of the subnet, below its broadcast address', () => {
    expect(hostEndpointAddress('10.77.0.0/16', 0)).toBe('10.77.255.254');
    expect(hostEndpointAddress('10.77.0.0/16', 1)).toBe('10.77.255.253');
    // an engine's subnets: Docker's /16, Podman's /24
    expect(hostEndpointAddress('172.18.0.0/16', 0)).toBe('172.18.255.254');
    expect(hostEndpointAddress('10.89.0.0/24', 2)).toBe('10.89.0.252');
    // a subnet given with host bits still names its own top
    expect(hostEndpointAddress('10.89.3.7/24', 0)).toBe('10.89.3.254');
  });
  it("never meet a worker of versus's own segment (64 workers at most)", () => {
    const workers = new Set(Array.from({ length: 64 }, (_, i) => segmentAddress(i)));
    for (let k = 0; k < 8; k++) expect(workers.has(hostEndpointAddress(ownSegmentPort('x').subnet, k))).toBe(false);
  });
  it('refuse a subnet that is not IPv4 or too small to keep away from the workers', () => {
    expect(() => hostEndpointAddress('fd00::/64', 0)).toThrow(/not an IPv4/);
    expect(() => hostEndpointAddress('10.0.0.0/28', 0)).toThrow(/too small/);
  });
});

describe('segment names', () => {
  it('carry the run: namespaces by name, links by a hash prefix each kind of its own', () => {
    const n = segmentNames('abc123-r7');
    expect(n.netns(0)).toBe('versus-abc123-r7-0');
    expect(n.endpointNetns(0)).toBe('versus-abc123-r7-h0');
    const links = [n.bridge, n.engineBridge, n.vethHost(0), n.tap(0), n.endpointVeth(0)];
    for (const l of links) expect(l.length).toBeLessThanOrEqual(15);
    expect(new Set(links.map((l) => l.slice(0, 3)))).toEqual(new Set(['vsb', 'vse', 'vsv', 'vst', 'vsh']));
    expect(n.linkPrefixes.some((p) => n.endpointVeth(3).startsWith(p))).toBe(true);
  });
  it("give each worker a MAC of QEMU's prefix and an address on 10.77/16", () => {
    expect(segmentMac(0)).toBe('52:54:00:77:00:02');
    expect(segmentAddress(300)).toBe('10.77.1.46');
  });
});

describe("a VM's NIC on the run's bridge, as experiment.json says it", () => {
  it('is told vhost-net by the host QEMU runs on, not assumed from this machine', () => {
    expect(bridgeNicFact(true)).toBe("virtio-net on a tap on the run's bridge, vhost-net");
    expect(bridgeNicFact(false)).toContain('no vhost-net (/dev/vhost-net absent');
  });
});
