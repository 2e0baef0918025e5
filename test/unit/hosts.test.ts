import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/compose/config.js';
import { placeEvenly, placeWeighted } from '../../src/environments/multiHost.js';
import { bestOffset, parseEpochNs } from '../../src/hosts/clock.js';
import { guestSamplerScript } from '../../src/sampling/guestSampler.js';

const host = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  ssh: { host: `${name}.example`, key: '/nonexistent/key' },
  ...extra,
});

describe('hosts', () => {
  it('places workers evenly, as the paper spread its instances (counts differ by one at most)', () => {
    expect(placeEvenly(4, 2)).toEqual([0, 1, 0, 1]);
    expect(placeEvenly(2, 2)).toEqual([0, 1]);
    expect(placeEvenly(5, 3)).toEqual([0, 1, 2, 0, 1]);
    expect(placeEvenly(1, 4)).toEqual([0]);
  });

  it('places workers by weight when the config says so: every prefix in proportion, equal weights = even', () => {
    expect(placeWeighted(6, [2, 1])).toEqual([0, 1, 0, 0, 1, 0]);
    expect(placeWeighted(4, [1, 1])).toEqual(placeEvenly(4, 2));
    expect(placeWeighted(5, [3, 3, 3])).toEqual(placeEvenly(5, 3));
    const w = [5, 1, 2];
    const placed = placeWeighted(80, w);
    for (let n = 8; n <= 80; n += 8) {
      const counts = w.map((_, h) => placed.slice(0, n).filter((x) => x === h).length);
      expect(counts).toEqual(w.map((x) => (x * n) / 8)); // exact at every full round
    }
    expect(placeWeighted(1, [1, 4])).toEqual([1]);
  });

  it('takes the clock offset from the probe with the shortest round trip', () => {
    const o = bestOffset([
      { sentMs: 1000, receivedMs: 1100, remoteMs: 1090 },
      { sentMs: 2000, receivedMs: 2002, remoteMs: 2031 },
      { sentMs: 3000, receivedMs: 3050, remoteMs: 3000 },
    ]);
    expect(o).toEqual({ offsetMs: 30, rttMs: 2, probes: 3 });
    expect(parseEpochNs('1764200000123456789\n')).toBeCloseTo(1764200000123.456, 2);
    expect(() => parseEpochNs('Thu Nov 26')).toThrow(/not an epoch/);
  });

  it('validates the hosts section: defaults, unique names, environments that can run remotely', () => {
    const e = validateExperiment({ hosts: [host('h1'), host('h2', { environments: ['docker'] })] }, 'x.yaml');
    expect(e.hosts[1]!.environments).toEqual(['docker']);
    expect(e.hosts[0]).toMatchObject({
      name: 'h1',
      ssh: { port: 22, user: 'root', hostKey: null, proxyCommand: null },
      environments: expect.arrayContaining(['docker', 'qemu', 'native']),
      cacheDir: null,
      weight: 1,
      docker: { socket: '/var/run/docker.sock' },
    });
    expect(validateExperiment({}, 'x').hosts).toEqual([]);
    expect(() => validateExperiment({ hosts: [host('h1'), host('h1')] }, 'x.yaml')).toThrow(
      /x.yaml: hosts: each host name once/,
    );
    expect(validateExperiment({ hosts: [host('h1')] }, 'x').hosts[0]!.environments.sort()).toEqual([
      'docker',
      'native',
      'qemu',
    ]);
    expect(() =>
      validateExperiment({ hosts: [host('h1', { environments: ['docker', 'vagrant'] })] }, 'x.yaml'),
    ).toThrow(/x.yaml: hosts\[0\].environments\[1\]: vagrant cannot run on a remote host yet \(.*qemu.*can\)/);
    expect(() => validateExperiment({ hosts: [host('h1', { environments: ['vmware'] })] }, 'x.yaml')).toThrow(
      /hosts\[0\].environments\[0\]: no environment "vmware"/,
    );
    expect(() => validateExperiment({ hosts: [{ name: 'h1', ssh: { host: 'a' } }] }, 'x.yaml')).toThrow(
      /hosts\[0\].ssh.key/,
    );
  });

  it("samples a remote host's CPU and memory lines without looking for a workload", () => {
    const script = guestSamplerScript(250, 2000, false);
    expect(script).toContain('/proc/stat');
    expect(script).toContain('/proc/meminfo');
    expect(script).not.toMatch(/smaps|comm/);
    expect(script.match(/^while :; do$/m)).toBeTruthy();
    expect(script.trim().endsWith('done')).toBe(true);
    expect(guestSamplerScript(250, 2000)).toContain('smaps_rollup');
  });
});
