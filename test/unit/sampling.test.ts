import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cgroupPaths, cpuV1, cpuV2, memoryUsed } from '../../src/sampling/cgroup.js';
import { frameToReading, StatsFrames } from '../../src/sampling/dockerSampler.js';
import { type DockerStatsFrame, dockerCpu, dockerMemory } from '../../src/sampling/dockerStats.js';
import { ProcessSampler } from '../../src/sampling/processSampler.js';
import { descendants, treeTicks } from '../../src/sampling/processTree.js';
import { cpuShares, ParseError, parseMeminfo, parsePidStat, parseProcStat } from '../../src/sampling/procstat.js';
import type { Reading } from '../../src/sampling/types.js';
import { LineSplitter } from '../../src/util/lines.js';

const STAT = (
  user: number,
  nice: number,
  system: number,
  idle: number,
  iowait: number,
  irq: number,
  softirq: number,
  steal: number,
  guest: number,
  gnice: number,
) =>
  `cpu  ${user} ${nice} ${system} ${idle} ${iowait} ${irq} ${softirq} ${steal} ${guest} ${gnice}\ncpu0 1 2 3 4\ncpu1 1 2 3 4\nintr 1 2 3\nctxt 99\n`;

describe('/proc/stat', () => {
  it('parses the aggregate line and counts CPUs', () => {
    const s = parseProcStat(STAT(10, 1, 5, 100, 3, 1, 1, 2, 4, 0));
    expect(s.cpus).toBe(2);
    expect(s.total).toMatchObject({
      user: 10,
      nice: 1,
      system: 5,
      idle: 100,
      iowait: 3,
      irq: 1,
      softirq: 1,
      steal: 2,
      guest: 4,
      guestNice: 0,
    });
  });

  it('computes shares from deltas, with user = user+nice and system = system+irq+softirq', () => {
    const a = parseProcStat(STAT(100, 0, 50, 1000, 10, 0, 0, 0, 0, 0)).total;
    const b = parseProcStat(STAT(140, 10, 60, 1030, 20, 5, 5, 20, 0, 0)).total;
    // deltas: user 40+10, system 10+5+5, idle 30, iowait 10, steal 20 -> total 130
    const s = cpuShares(a, b);
    expect(s.ticks).toBe(130);
    expect(s.user).toBeCloseTo((100 * 50) / 130, 10);
    expect(s.system).toBeCloseTo((100 * 20) / 130, 10);
    expect(s.iowait).toBeCloseTo((100 * 10) / 130, 10);
    expect(s.steal).toBeCloseTo((100 * 20) / 130, 10);
    expect(s.idle).toBeCloseTo((100 * 30) / 130, 10);
    expect(s.user + s.system + s.iowait + s.steal + s.idle).toBeCloseTo(100, 10);
  });

  it('does not count guest time twice (it is already inside user)', () => {
    const a = parseProcStat(STAT(100, 0, 0, 100, 0, 0, 0, 0, 0, 0)).total;
    const b = parseProcStat(STAT(180, 0, 0, 120, 0, 0, 0, 0, 80, 0)).total; // 80 of the 80 user ticks were guest
    const s = cpuShares(a, b);
    expect(s.ticks).toBe(100);
    expect(s.user).toBeCloseTo(80, 10);
  });

  it('clamps a counter that went backwards to zero', () => {
    const a = parseProcStat(STAT(100, 0, 50, 1000, 10, 0, 0, 0, 0, 0)).total;
    const b = parseProcStat(STAT(90, 0, 60, 1010, 10, 0, 0, 0, 0, 0)).total;
    const s = cpuShares(a, b);
    expect(s.user).toBe(0);
    expect(s.ticks).toBe(20);
  });

  it('treats missing trailing fields (old kernels) as zero', () => {
    const s = parseProcStat('cpu  1 2 3 4\ncpu0 1 2 3 4\n');
    expect(s.total.iowait).toBe(0);
    expect(s.total.steal).toBe(0);
  });

  it('reports no change as idle', () => {
    const a = parseProcStat(STAT(1, 1, 1, 1, 1, 1, 1, 1, 0, 0)).total;
    expect(cpuShares(a, a).idle).toBe(100);
  });

  it('rejects garbled input with a clear error', () => {
    expect(() => parseProcStat('cpu  1 x 3 4\n')).toThrow(ParseError);
    expect(() => parseProcStat('cpu  1 2\n')).toThrow(/garbled/);
    expect(() => parseProcStat('intr 5\n')).toThrow(/no aggregate cpu line/);
    expect(() => parseProcStat('cpu  1 -2 3 4\n')).toThrow(/garbled/);
  });
});

describe('/proc/meminfo and /proc/<pid>/stat', () => {
  it('computes used as MemTotal - MemAvailable and cached as Cached + Buffers', () => {
    const m = parseMeminfo(
      'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\nBuffers:          50 kB\nCached:          300 kB\nActive(file):     10 kB\n',
    );
    expect(m.usedBytes).toBe(400 * 1024);
    expect(m.cachedBytes).toBe(350 * 1024);
    expect(() => parseMeminfo('nothing')).toThrow(/MemTotal/);
  });

  it('reads utime, stime and rss even when the command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[11] = '1234'; // utime (field 14)
    fields[12] = '56'; // stime (field 15)
    fields[21] = '789'; // rss (field 24)
    const t = parsePidStat(`42 (qemu (x) y) ${fields.join(' ')}`);
    expect(t).toEqual({ utimeTicks: 1234, stimeTicks: 56, rssPages: 789, cutimeTicks: 16, cstimeTicks: 17 });
    expect(() => parsePidStat('garbage')).toThrow(ParseError);
  });
});

const frames = (file: string): DockerStatsFrame[] =>
  fs
    .readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('Docker stats', () => {
  it('skips the first frame of a stream (empty precpu)', () => {
    const [first] = frames('docker-stats-cgroup-v1.ndjson');
    expect(dockerCpu(first!)).toBeNull();
    expect(frameToReading(first!, 1, Date.now())).toBeNull();
  });

  it('computes cores as the docker CLI does on a recorded cgroup v1 frame', () => {
    const f = frames('docker-stats-cgroup-v1.ndjson')[1]!;
    const cpu = dockerCpu(f)!;
    const expected = ((1135363968 - 124410507) / (4069480000000 - 4067480000000)) * 2;
    expect(cpu.cores).toBeCloseTo(expected, 12);
    expect(cpu.userCores + cpu.systemCores).toBeCloseTo(cpu.cores, 12);
    const mem = dockerMemory(f)!;
    expect(mem.usedBytes).toBe(32661504 - 9080832); // usage - total_inactive_file
  });

  it('handles the cgroup v2 shape: no percpu, inactive_file', () => {
    const f = frames('docker-stats-cgroup-v2.ndjson')[1]!;
    const cpu = dockerCpu(f)!;
    expect(cpu.cores).toBeCloseTo(1.5, 12);
    expect(cpu.onlineCpus).toBe(4);
    // user delta 1.2e6, kernel 0.3e6 -> 80 % user
    expect(cpu.userCores).toBeCloseTo(1.2, 12);
    expect(dockerMemory(f)!.usedBytes).toBe(60_000_000 - 20_000_000);
    const r = frameToReading(f, 2, Date.parse('2026-11-26T08:00:01.100Z'))!;
    expect(r.user + r.system).toBeCloseTo(75, 10); // 1.5 cores of a 2-CPU allocation
    expect(r.at).toBe(Date.parse('2026-11-26T08:00:01.000Z'));
    expect(r.iowait).toBeNull();
  });

  it('drops repeated frames and spans skipped ones, so no zero or NaN spike reaches the samples', () => {
    const [a, b] = frames('docker-stats-cgroup-v2.ndjson') as [DockerStatsFrame, DockerStatsFrame];
    const at = (f: DockerStatsFrame, read: string, total: number, system: number): DockerStatsFrame => ({
      ...f,
      read,
      cpu_stats: {
        ...f.cpu_stats,
        cpu_usage: { ...f.cpu_stats!.cpu_usage, total_usage: total },
        system_cpu_usage: system,
      },
    });
    const s = new StatsFrames(2);
    expect(s.next(a, 0)).toBeNull(); // first frame: nothing to diff against
    expect(s.next(b, 0)!.cores).toBeCloseTo(1.5, 12);
    expect(s.next(b, 0)).toBeNull(); // the engine sent the same frame again
    // the engine skipped a frame; its precpu_stats would be the skipped one, ours is the last frame seen
    const c = at(b, '2026-11-26T08:00:03.000Z', 2_500_000_000 + 2 * 1.5e9, 44_000_000_000 + 2 * 4e9);
    c.precpu_stats = { cpu_usage: { total_usage: 2_500_000_000 + 1.5e9 }, system_cpu_usage: 44_000_000_000 + 4e9 };
    const r = s.next(c, 0)!;
    expect(r.cores).toBeCloseTo(1.5, 12);
    expect(Number.isFinite(r.user) && Number.isFinite(r.system)).toBe(true);
    // a stopped container's last frame has zeros: no reading, not a drop to 0
    expect(s.next({ ...c, read: '2026-11-26T08:00:04.000Z', cpu_stats: {} as never }, 0)).toBeNull();
  });

  it('reassembles frames split at any chunk boundary', () => {
    const text = fs.readFileSync(new URL('../fixtures/docker-stats-cgroup-v1.ndjson', import.meta.url), 'utf8');
    for (const step of [1, 7, 100, 1000, text.length]) {
      const got: string[] = [];
      const s = new LineSplitter((l) => l.trim() && got.push(l));
      for (let i = 0; i < text.length; i += step) s.push(text.slice(i, i + step));
      s.end();
      expect(got.map((l) => JSON.parse(l).read)).toEqual(frames('docker-stats-cgroup-v1.ndjson').map((f) => f.read));
    }
  });
});

describe('cgroup files', () => {
  const id = 'f11aecfc73fd';
  const v1 = `9:name=systemd:/docker/${id}\n4:memory:/docker/${id}\n2:cpuacct:/docker/${id}\n1:cpu:/docker/${id}\n0::/docker/${id}\n`;

  it('finds v1 controller directories, preferring them on hybrid hosts', () => {
    const exists = (p: string) =>
      p.startsWith(`/sys/fs/cgroup/cpuacct/docker/${id}`) || p.startsWith(`/sys/fs/cgroup/memory/docker/${id}`);
    expect(cgroupPaths(v1, exists)).toEqual({
      version: 1,
      cpu: `/sys/fs/cgroup/cpuacct/docker/${id}`,
      memory: `/sys/fs/cgroup/memory/docker/${id}`,
    });
  });

  it('finds the unified v2 directory (systemd driver)', () => {
    const v2 = `0::/system.slice/docker-${id}.scope\n`;
    const exists = (p: string) => p === `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`;
    expect(cgroupPaths(v2, exists)).toEqual({
      version: 2,
      cpu: `/sys/fs/cgroup/system.slice/docker-${id}.scope`,
      memory: `/sys/fs/cgroup/system.slice/docker-${id}.scope`,
    });
    expect(cgroupPaths(v2, () => false)).toBeNull();
  });

  it('reads CPU time in nanoseconds from v1 and v2 files', () => {
    expect(cpuV1('1000\n', '600\n', '400\n', null)).toEqual({ totalNs: 1000, userNs: 600, systemNs: 400 });
    expect(cpuV1('1000\n', null, null, 'user 6\nsystem 2\n')).toEqual({ totalNs: 1000, userNs: 750, systemNs: 250 });
    expect(cpuV2('usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\n')).toEqual({
      totalNs: 1_500_000,
      userNs: 1_000_000,
      systemNs: 500_000,
    });
  });

  it('reports memory as usage minus inactive file cache, and no limit for "max"', () => {
    expect(memoryUsed(1, '1000\n', 'total_cache 300\ntotal_inactive_file 200\n', '9223372036854771712\n')).toEqual({
      usedBytes: 800,
      cachedBytes: 300,
      limitBytes: null,
    });
    expect(memoryUsed(2, '1000\n', 'file 300\ninactive_file 100\n', 'max\n')).toEqual({
      usedBytes: 900,
      cachedBytes: 300,
      limitBytes: null,
    });
    expect(memoryUsed(2, '1000\n', 'inactive_file 100\n', '1073741824\n').limitBytes).toBe(1073741824);
  });
});

describe('PSS cadence', () => {
  it('reads PSS on its own interval, and at once when the cheap memory figure moved by 8 MiB', async () => {
    const { MemoryCadence } = await import('../../src/sampling/smaps.js');
    const c = new MemoryCadence(2000);
    let reads = 0;
    const read = () => ({ pssBytes: ++reads, ussBytes: reads });
    const MiB = 2 ** 20;
    expect(c.value(read, 100 * MiB, 0)).toEqual({ pssBytes: 1, ussBytes: 1 }); // first tick
    expect(c.value(read, 104 * MiB, 250)!.pssBytes).toBe(1); // small change, interval not over: the last value
    expect(c.value(read, 109 * MiB, 500)!.pssBytes).toBe(2); // grew 9 MiB since the last read: read now
    expect(c.value(read, 110 * MiB, 750)!.pssBytes).toBe(2);
    expect(c.value(read, 110 * MiB, 2500)!.pssBytes).toBe(3); // the interval
    expect(c.value(read, null, 2600)!.pssBytes).toBe(3); // no cheap figure: the interval alone
  });
});

describe('process tree of a native workload', () => {
  it('adds waited-for children, so an exiting tool moves its time instead of losing it', () => {
    const t = (u: number, s: number, cu = 0, cs = 0) => ({
      utimeTicks: u,
      stimeTicks: s,
      rssPages: 10,
      cutimeTicks: cu,
      cstimeTicks: cs,
    });
    // a child with 50+20 ticks, then reaped: the same total
    expect(treeTicks([t(10, 5), t(50, 20)])).toEqual({ user: 60, system: 25, rssPages: 20 });
    expect(treeTicks([t(10, 5, 50, 20)])).toEqual({ user: 60, system: 25, rssPages: 10 });
  });

  it('sees the CPU of a busy child process of the sampled process (a real tree)', async () => {
    const parent = spawn(
      process.execPath,
      [
        '-e',
        "require('child_process').spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'inherit' }); setInterval(() => {}, 1000)",
      ],
      { stdio: 'ignore', detached: true },
    );
    // conditions, not durations: a loaded machine only makes this take longer
    const until = async <T>(f: () => T | null | undefined | false, what: string): Promise<T> => {
      for (let i = 0; i < 1500; i++) {
        const v = f();
        if (v) return v;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`gave up waiting for ${what}`);
    };
    try {
      const child = await until(() => descendants(parent.pid!)[0], 'the child process');
      expect(descendants(parent.pid!)).toHaveLength(1);
      // the child's own CPU time in clock ticks (utime + stime), as the kernel counts it
      const childTicks = () => {
        const f = fs.readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(f[11]) + Number(f[12]);
      };
      const sampler = new ProcessSampler('w', parent.pid!, 1, 200, 'process', true, 2000);
      const readings: Reading[] = [];
      await sampler.start(
        (r) => readings.push(r),
        (e) => {
          throw e;
        },
      );
      const first = await until(() => readings.length > 0 && readings[0]!.at, 'the first reading');
      const before = childTicks();
      await until(() => childTicks() - before >= 100 && readings.length >= 4, "1 s of the child's CPU time");
      await sampler.stop();
      const after = childTicks();
      const last = readings.at(-1)!;
      // the tree's CPU seen by the sampler (cores x seconds between readings) against the child's
      // own CPU time over about the same window: the parent idles, so it is the child's
      const seen = readings.slice(1).reduce((sum, r, i) => sum + (r.cores * (r.at - readings[i]!.at)) / 1000, 0);
      const consumed = (after - before) / 100;
      expect(last.at).toBeGreaterThan(first);
      expect(seen).toBeGreaterThan(0.5 * consumed);
      expect(seen).toBeLessThan(1.5 * consumed + 0.5);
      expect(last.memPssBytes).toBeGreaterThan(0);
    } finally {
      process.kill(-parent.pid!, 'SIGKILL');
    }
  });
});
