import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accelArgs, MACHINE, MICROVM_SSH_MAC, qemuArgs } from '../../src/environments/qemu/args.js';
import { hostTscKhz } from '../../src/environments/qemu/flavour.js';
import { backoffMs, GuestStreamParser, guestSamplerScript } from '../../src/sampling/guestSampler.js';
import type { Reading } from '../../src/sampling/types.js';
import { fingerprint } from '../../src/ssh/connection.js';
import { shellCommand, shellQuote } from '../../src/ssh/quote.js';

const vm = {
  name: 'qemu-0',
  machine: 'q35' as const,
  accel: 'tcg' as const,
  cpus: 2,
  memoryMiB: 1024,
  kernel: '/k',
  initrd: '/i',
  cmdline: 'root=/dev/vda console=ttyS0',
  overlay: '/o.qcow2',
  sshPort: 40022,
  serialLog: '/r/serial.log',
  pidFile: '/v/qemu-0.pid',
};

describe('qemu command line', () => {
  it('uses multi-threaded TCG, the allocation, direct kernel boot and a pid file', () => {
    const a = qemuArgs(vm);
    const flagValue = (flag: string) => a[a.indexOf(flag) + 1];
    expect(flagValue('-accel')).toBe('tcg,thread=multi');
    expect(flagValue('-smp')).toBe('2');
    expect(flagValue('-m')).toBe('1024');
    expect(flagValue('-kernel')).toBe('/k');
    expect(flagValue('-append')).toBe('root=/dev/vda console=ttyS0');
    expect(flagValue('-pidfile')).toBe('/v/qemu-0.pid');
    expect(flagValue('-serial')).toBe('file:/r/serial.log');
    expect(flagValue('-name')).toContain('process=versus-qemu-qemu-0');
  });

  it('forwards only SSH, only on loopback, with a restricted user-mode network', () => {
    const a = qemuArgs(vm);
    const net = a[a.indexOf('-netdev') + 1]!;
    expect(net).toBe('user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22');
    expect(a.filter((x) => x === '-netdev')).toHaveLength(1);
  });

  it('passes the host CPU through with KVM', () => {
    const a = qemuArgs({ ...vm, accel: 'kvm' });
    expect(a.slice(a.indexOf('-accel'), a.indexOf('-accel') + 4)).toEqual(['-accel', 'kvm', '-cpu', 'host']);
  });

  it('gives worker VMs and the KVM probe the same machine and CPU flags', () => {
    const a = qemuArgs({ ...vm, accel: 'kvm' });
    expect(a.slice(a.indexOf('-machine'), a.indexOf('-machine') + 6)).toEqual([
      '-machine',
      MACHINE,
      ...accelArgs('kvm'),
    ]);
    expect(accelArgs('kvm')).toEqual(['-accel', 'kvm', '-cpu', 'host']);
  });

  it('gives a microVM the microvm machine, virtio-mmio devices only and its SSH NIC at the MAC its init looks for', () => {
    const a = qemuArgs({ ...vm, machine: 'microvm', segment: { tap: 'vs-t', mac: '52:54:00:77:00:01', vhost: false } });
    expect(a[a.indexOf('-machine') + 1]).toBe('microvm,acpi=on,x-option-roms=off');
    const devices = a.filter((_, i) => a[i - 1] === '-device');
    expect(devices).toEqual([
      'virtio-blk-device,drive=disk0',
      `virtio-net-device,netdev=net0,mac=${MICROVM_SSH_MAC}`,
      'virtio-net-device,netdev=net1,mac=52:54:00:77:00:01',
    ]);
    expect(a.join(' ')).not.toMatch(/pci/);
  });
});

describe('shell quoting for remote commands', () => {
  it('leaves plain words alone and makes everything else one literal word', () => {
    expect(shellQuote('--pages=5')).toBe('--pages=5');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$(rm -rf /)')).toBe(`'$(rm -rf /)'`);
    expect(shellQuote('')).toBe(`''`);
    expect(shellCommand(['node', 'a b', ';ls'])).toBe(`node 'a b' ';ls'`);
  });
});

describe('guest sampler stream', () => {
  const block = (user: number, idle: number, iowait: number, steal: number) =>
    `@@versus\ncpu  ${user} 0 10 ${idle} ${iowait} 0 0 ${steal} 0 0\ncpu0 ${user} 0 10 ${idle} ${iowait} 0 0 ${steal} 0 0\nMemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\nBuffers: 10 kB\nCached: 200 kB\n`;

  it('turns consecutive blocks into readings, whatever the chunking', () => {
    const text = `${block(100, 1000, 0, 0) + block(180, 1010, 5, 5) + block(200, 1090, 5, 5)}@@versus\n`;
    for (const step of [1, 13, text.length]) {
      const got: Reading[] = [];
      const p = new GuestStreamParser(
        1,
        (r) => got.push(r),
        (e) => {
          throw e;
        },
        () => 42,
      );
      for (let i = 0; i < text.length; i += step) p.push(text.slice(i, i + step));
      expect(got).toHaveLength(2);
      // second block minus first: user 80, system 0, idle 10, iowait 5, steal 5 -> 100 ticks
      expect(got[0]).toMatchObject({ at: 42, user: 80, system: 0, idle: 10, iowait: 5, steal: 5, allocCpus: 1 });
      expect(got[0]!.cores).toBeCloseTo(0.8, 12);
      expect(got[0]!.memUsedBytes).toBe(600 * 1024);
      expect(got[1]!.user).toBeCloseTo(20, 10);
    }
  });

  it("counts the segment NIC's traffic from its /proc/net/dev line: deltas, none before a baseline or without the line", () => {
    const net = (rx: number, tx: number) =>
      `net  enp0s16: ${rx} ${rx / 100} 0 0 0 0 0 0 ${tx} ${tx / 100} 0 0 0 0 0 0\n`;
    const text = `${block(1, 1, 0, 0)}${net(1000, 500)}${block(2, 2, 0, 0)}${net(4000, 700)}${block(3, 3, 0, 0)}${block(4, 4, 0, 0)}@@versus\n`;
    const got: Reading[] = [];
    const p = new GuestStreamParser(
      1,
      (r) => got.push(r),
      (e) => {
        throw e;
      },
    );
    p.push(text);
    expect(got).toHaveLength(3);
    expect(got[0]).toMatchObject({ netRxBytes: 3000, netTxBytes: 200, netRxPackets: 30, netTxPackets: 2 });
    // a block without the line (the NIC not there): no counters, and no baseline for the next
    expect(got[1]!.netRxBytes).toBeUndefined();
    expect(got[2]!.netRxBytes).toBeUndefined();
    expect(guestSamplerScript(250)).not.toContain('/proc/net/dev');
  });

  it('reports a garbled block and carries on', () => {
    const errors: Error[] = [];
    const got: Reading[] = [];
    const p = new GuestStreamParser(
      1,
      (r) => got.push(r),
      (e) => errors.push(e),
    );
    p.push(`${block(1, 1, 0, 0)}@@versus\ncpu  x y\n${block(2, 2, 0, 0)}${block(3, 3, 0, 0)}@@versus\n`);
    expect(errors).toHaveLength(1);
    expect(got.length).toBeGreaterThanOrEqual(1);
  });

  it('forks nothing per interval: bash builtins and read -t as the sleep', () => {
    const s = guestSamplerScript(250);
    expect(s).toContain('read -t 0.250 -u 3 _');
    expect(s).not.toMatch(/\b(cat|sleep|date)\b/);
  });

  it('gives readings when run by a real bash on this machine (cpu lines and the five memory fields)', async () => {
    const child = spawn('bash', ['-c', guestSamplerScript(50)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const readings: Reading[] = [];
    const text: string[] = [];
    const parser = new GuestStreamParser(
      1,
      (r) => readings.push(r),
      (e) => {
        throw e;
      },
    );
    child.stdout.setEncoding('utf8');
    // as many blocks as it takes, however slow the machine: no clock in the assertion
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: string) => {
        text.push(d);
        parser.push(d);
        if (readings.length >= 3) resolve();
      }),
    );
    child.kill('SIGKILL');
    expect(readings.length).toBeGreaterThanOrEqual(3);
    expect(readings.every((r) => r.memUsedBytes! > 0 && r.memCachedBytes !== null)).toBe(true);
    const block = text.join('').split('@@versus\n')[1]!;
    expect(block).toMatch(/^cpu {2}/);
    expect(block).not.toMatch(/^intr /m);
    for (const k of ['MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached']) expect(block).toContain(`${k}:`);
  });
});

describe("the guest loop's network line, run by a real bash", () => {
  it("prints the named NIC's /proc/net/dev line with every block and nothing of the others", async () => {
    const nic = fs.readdirSync('/sys/class/net').find((n) => n !== 'lo')!;
    const child = spawn('bash', ['-c', guestSamplerScript(20, 2000, true, nic)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: string) => {
        text += d;
        if (text.split('@@versus\n').length > 3) resolve();
      }),
    );
    child.kill('SIGKILL');
    const block = text.split('@@versus\n')[1]!;
    const lines = block.split('\n').filter((l) => l.startsWith('net '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^net +${nic}: +\\d+`));
  });
});

describe('host key fingerprints', () => {
  it('prints SHA256 fingerprints as OpenSSH does', () => {
    expect(fingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});

describe('sampler reconnection', () => {
  it('backs off exponentially up to 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(backoffMs)).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
  });
});

describe('the TSC hint of a microVM under TCG', () => {
  it('is the host’s TSC frequency where the host is a VM guest with a constant TSC, else none', () => {
    const guest = 'processor : 0\ncpu MHz\t\t: 2445.434\nflags\t\t: fpu tsc constant_tsc nonstop_tsc hypervisor\n';
    expect(hostTscKhz(guest)).toBe(2445434);
    expect(hostTscKhz(guest.replace(' hypervisor', ''))).toBeNull();
    expect(hostTscKhz(guest.replace(' constant_tsc', ''))).toBeNull();
    expect(hostTscKhz('processor : 0\n')).toBeNull();
  });
});
