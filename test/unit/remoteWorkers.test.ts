// Native workers and VMs on remote hosts: the shell text they run there (checked by
// bash itself and against a real process here) and how a run's facts merge over hosts.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeHostFacts } from '../../src/environments/multiHost.js';
import {
  cleanScript,
  enterCgroupScript,
  remoteWorkerCommand,
  teardownScript,
} from '../../src/environments/native/remoteScripts.js';
import { segmentCleanScript } from '../../src/environments/native/remoteSegment.js';
import { killRecordedScript } from '../../src/environments/qemu/remoteMachine.js';
import { RemoteProcessParser, remoteProcessScript } from '../../src/sampling/remoteProcessSampler.js';
import type { Reading } from '../../src/sampling/types.js';

const alloc = { cpus: 1.5, memoryBytes: 512 * 2 ** 20, cpuset: null };
const bashSyntaxOk = (script: string) => execFileSync('bash', ['-n', '-c', script], { encoding: 'utf8' }) === '';

/**
 * A stand-in for a worker of `run` under `dir`: its command line names barrier.mjs, in a
 * process group of its own, its pid file where a run's are; `ended` is its exit code, -1 when signalled.
 */
function standInWorker(dir: string, run: string): { pid: number; ended: Promise<number | null> } {
  fs.mkdirSync(path.join(dir, run));
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'barrier.mjs'], {
    detached: true,
    stdio: 'ignore',
  });
  fs.writeFileSync(path.join(dir, run, 'native-0.pid'), `${child.pid}\n`);
  return {
    pid: child.pid!,
    ended: new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ? -1 : code))),
  };
}

describe('workers on remote hosts', () => {
  it("writes a native worker's cgroup as cgroupLimits does here, joins it, records its pid, then execs", () => {
    const v1 = enterCgroupScript(1, 'h1-r1-native-0', alloc);
    expect(v1).toContain('echo 150000 > /sys/fs/cgroup/cpu/versus-remote-native/h1-r1-native-0/cpu.cfs_quota_us');
    expect(v1).toContain(
      `echo ${512 * 2 ** 20} > /sys/fs/cgroup/memory/versus-remote-native/h1-r1-native-0/memory.limit_in_bytes`,
    );
    const v2 = enterCgroupScript(2, 'w', alloc);
    expect(v2).toContain("echo '150000 100000' > /sys/fs/cgroup/versus-remote-native/w/cpu.max");
    expect(v2).toContain('echo $$ > /sys/fs/cgroup/versus-remote-native/w/cgroup.procs');
    const cmd = remoteWorkerCommand({
      pidFile: '/c/native/r1/native-0.pid',
      cgroup: { version: 1, name: 'h1-r1-native-0' },
      allocation: { ...alloc, cpuset: [1] },
      argv: ['chroot', '/c/rootfs', '/usr/bin/node', "it's.mjs"],
    });
    for (const s of [v1, v2, cmd, teardownScript('/c/native/r1', 'h1-r1-'), killRecordedScript('/c/vms/r1')])
      expect(bashSyntaxOk(s)).toBe(true);
    // the cgroup first, then the pid, then the workload in the shell's place (pinned)
    const inner = cmd.indexOf('cgroup.procs');
    expect(inner).toBeGreaterThan(0);
    expect(cmd.indexOf('native-0.pid')).toBeGreaterThan(inner);
    expect(cmd).toMatch(/exec taskset -c 1 chroot/);
  });

  it("cleans a host's runs but those of live experiments: their workers run on, their folders stay", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-clean-'));
    const worker = (run: string) => standInWorker(dir, run).ended;
    const liveEnded = worker("20261205-010101-ab'c-001-native-x1-r1");
    const deadEnded = worker('20261204-230000-dead-001-native-x1-r1');
    const script = cleanScript(dir, 'no-such-host', ["20261205-010101-ab'c", '20261205-020202-other']);
    expect(bashSyntaxOk(script)).toBe(true);
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(await deadEnded).toBe(-1);
    expect(out).toMatch(/^native worker pid \d+$/m);
    expect(fs.readdirSync(dir)).toEqual(["20261205-010101-ab'c-001-native-x1-r1"]);
    const pid = Number(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]!, 'native-0.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).not.toThrow(); // the live one runs on
    process.kill(-pid, 'SIGKILL');
    expect(await liveEnded).toBe(-1);
    // nothing live: everything goes
    expect(bashSyntaxOk(cleanScript(dir, 'h', []))).toBe(true);
    execFileSync('sh', ['-c', cleanScript(dir, 'no-such-host', [])]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("at an experiment's end removes that experiment's runs only, another's left running", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-rw-'));
    const worker = (run: string) => standInWorker(dir, run);
    const mine = worker('20261207-220000-mine-001-native-x1-r1');
    const theirs = worker('20261207-220000-theirs-001-native-x1-r1');
    const script = cleanScript(dir, 'no-such-host', [], '20261207-220000-mine');
    expect(bashSyntaxOk(script)).toBe(true);
    execFileSync('sh', ['-c', script], { encoding: 'utf8' });
    await mine.ended;
    expect(fs.readdirSync(dir)).toEqual(['20261207-220000-theirs-001-native-x1-r1']);
    expect(() => process.kill(theirs.pid, 0)).not.toThrow();
    process.kill(-theirs.pid, 'SIGKILL');
    await theirs.ended;
    // the segments' clean has the same scope
    expect(segmentCleanScript([], 'e')).toMatch(/'?versus-e'?-\*\) return 1;; \*\) return 0;;/);
    expect(bashSyntaxOk(segmentCleanScript(['x'], 'e'))).toBe(true);
  });

  it('runs the command as written: pid file first, then the workload (no cgroup)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-rw-'));
    const pidFile = path.join(dir, 'run', 'w.pid');
    const cmd = remoteWorkerCommand({ pidFile, cgroup: null, allocation: alloc, argv: ['sh', '-c', 'echo $$'] });
    const printed = execFileSync('bash', ['-c', cmd], { encoding: 'utf8' }).trim();
    expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(printed); // exec: the recorded pid is the workload's
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("streams a real process's /proc/<pid>/stat and turns blocks into shares of the allocation", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-rp-'));
    const pidFile = path.join(dir, 'busy.pid');
    const busy = spawn('sh', [
      '-c',
      `echo $$ > ${pidFile}; exec node -e "const t=Date.now(); while (Date.now()-t < 1500);"`,
    ]);
    const loop = spawn('bash', ['-c', remoteProcessScript(pidFile, 100, 200)]);
    const readings: Reading[] = [];
    const errors: Error[] = [];
    const parser = new RemoteProcessParser(
      2,
      true,
      (r) => readings.push(r),
      (e) => errors.push(e),
    );
    loop.stdout.on('data', (d: Buffer) => parser.push(d.toString()));
    await new Promise((r) => loop.on('close', r)); // the loop ends once the process is gone
    busy.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(errors).toEqual([]);
    expect(parser.done).toBe(true);
    expect(readings.length).toBeGreaterThan(5);
    const mid = readings.slice(2, -2);
    // one busy thread of two allocated CPUs: about 50 %
    const mean = mid.reduce((s, r) => s + r.user + r.system, 0) / mid.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(95);
    expect(readings.some((r) => (r.memPssBytes ?? 0) > 1e6)).toBe(true);
  });

  it('parses a canned block: uptime as the clock, children counted for a workload only', () => {
    const stat = (u: number, cu: number) =>
      `42 (node) S 1 42 42 0 -1 4194304 0 0 0 0 ${u} 0 ${cu} 0 20 0 1 0 1 100 2500 0 0`;
    const block = (t: number, u: number, cu: number) => `@@at ${t}\nstat ${stat(u, cu)}\n@@end\n`;
    for (const [children, expected] of [
      [true, 100],
      [false, 50],
    ] as const) {
      const out: Reading[] = [];
      const p = new RemoteProcessParser(
        1,
        children,
        (r) => out.push(r),
        (e) => {
          throw e;
        },
      );
      p.push(block(10, 0, 0));
      p.push(block(10.5, 25, 25).slice(0, 7));
      p.push(block(10.5, 25, 25).slice(7));
      expect(out).toHaveLength(1);
      expect(out[0]!.user).toBeCloseTo(expected, 6);
      expect(out[0]!.memUsedBytes).toBe(2500 * 4096);
    }
  });

  it("merges a run's facts over hosts: shared ones as they are, each host's when any differs", () => {
    expect(mergeHostFacts({ h1: { accelerator: 'tcg' }, h2: { accelerator: 'tcg' } })).toEqual({ accelerator: 'tcg' });
    expect(mergeHostFacts({ h1: { accelerator: 'kvm' }, h2: { accelerator: 'tcg' } })).toEqual({
      hosts: { h1: { accelerator: 'kvm' }, h2: { accelerator: 'tcg' } },
    });
  });
});
