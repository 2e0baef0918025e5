import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ageText, describeChoice, verdictKey } from '../../src/environments/qemu/accel.js';
import {
  cpioArchive,
  PROBE_INIT,
  PROBE_MARKER,
  probeCmdline,
  probeInitrd,
} from '../../src/environments/qemu/probeInitrd.js';
import { dumpExcerpt, guestDeathReason, isKvmFailure, libvirtDeadState } from '../../src/environments/vm/guestDeath.js';

// What QEMU 7.2 printed on a host with partial nested virtualisation (issue 13), verbatim.
const NESTED_KVM_STDERR = `KVM internal error. Suberror: 1
extra data[0]: 0x0000000000000000
extra data[1]: 0x0000000000000030
emulation failure
RAX=0000000000000000 RBX=ffff8c2308401000 RCX=0000000000000000 RDX=0000000000000001
RSI=0000000000000000 RDI=ffff8c2308401000 RBP=ffffffffa5203e50 RSP=ffffffffa5203e08
CR0=80050033 CR2=ffff8c2308401000 CR3=0000000007610000 CR4=000100b0
EFER=0000000000000d01
Code=24 5b 80 41 81 e3 00 00 00 40 48 8b 4c 24 58 74 31 48 89 f0 <f0> 48 0f c7 4d 20 74 66
`;

describe('a dead guest in QEMU output', () => {
  it('names the KVM internal error and its suberror', () => {
    expect(guestDeathReason(NESTED_KVM_STDERR)).toBe('KVM internal error (suberror 1: emulation failure)');
    expect(guestDeathReason('KVM internal error. Suberror: 3\n')).toBe('KVM internal error (suberror 3)');
    expect(guestDeathReason('error: kvm run failed Bad address\nRAX=…')).toBe('kvm run failed Bad address');
    expect(guestDeathReason('KVM: entry failed, hardware error 0x80000021\n')).toBe(
      'KVM: entry failed, hardware error 0x80000021',
    );
    expect(guestDeathReason('Could not access KVM kernel module: Permission denied\n')).toBe(
      'Could not access KVM kernel module: Permission denied',
    );
  });

  it('ignores what a live guest prints', () => {
    expect(guestDeathReason('')).toBeNull();
    expect(guestDeathReason("qemu-system-x86_64: warning: host doesn't support requested feature\n")).toBeNull();
    expect(guestDeathReason('char device redirected to /dev/pts/3 (label charserial0)\n')).toBeNull();
  });

  it('quotes the registers and the faulting code, not the whole dump', () => {
    const e = dumpExcerpt(NESTED_KVM_STDERR);
    expect(e).toContain('EFER=0000000000000d01');
    expect(e).toContain('Code=24 5b');
    expect(e).not.toContain('RAX=');
  });

  it('tells KVM failures from other deaths', () => {
    expect(isKvmFailure('KVM internal error (suberror 1: emulation failure)')).toBe(true);
    expect(isKvmFailure('QEMU exited (exit 1: could not open disk image)')).toBe(false);
  });
});

describe("libvirt's domain states", () => {
  it('treats a domain paused for an internal error, or crashed, as dead', () => {
    expect(libvirtDeadState('paused (internal error)')).toMatch(/^libvirt domain paused \(internal error\)/);
    expect(libvirtDeadState('paused (crashed)')).toMatch(/paused \(crashed\)/);
    expect(libvirtDeadState('crashed (panicked)')).toBe('libvirt domain crashed (panicked)');
    expect(libvirtDeadState('shut off (crashed)')).toBe('libvirt domain shut off (crashed)');
  });

  it('leaves live, booting and deliberately paused domains alone', () => {
    for (const s of [
      'running (booted)',
      'running (unpaused)',
      'paused (user)',
      'paused (I/O error)',
      'shut off (destroyed)',
      'shut off (shutdown)',
      '',
      'blocked',
    ])
      expect(libvirtDeadState(s), s).toBeNull();
  });
});

describe('the probe initrd', () => {
  it('is a newc archive the cpio tools read back, with the init script executable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-cpio-'));
    const file = path.join(dir, 'probe.cpio');
    fs.writeFileSync(
      file,
      cpioArchive([{ name: 'a/b.sh', mode: 0o100755, data: Buffer.from('#!/bin/sh\necho hi\n') }]),
    );
    expect(fs.statSync(file).size % 512).toBe(0);
    const listing = execFileSync('bsdtar', ['-tvf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rwxr-xr-x .* a\/b\.sh$/m);
    execFileSync('bsdtar', ['-xf', file, '-C', dir]);
    expect(fs.readFileSync(path.join(dir, 'a/b.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
  });

  it('appends the probe init after the image initrd on a 512-byte boundary and runs it as rdinit', () => {
    const initrd = Buffer.alloc(1000, 7);
    const out = probeInitrd(initrd);
    expect(out.subarray(0, 1000).equals(initrd)).toBe(true);
    expect(out.subarray(1000, 1024).every((b) => b === 0)).toBe(true);
    expect(out.subarray(1024, 1030).toString()).toBe('070701');
    expect(out.includes(Buffer.from(PROBE_MARKER))).toBe(true);
    expect(probeCmdline()).toContain(`rdinit=${PROBE_INIT}`);
    expect(probeCmdline()).toContain('panic=-1');
  });
});

describe('the cached verdict', () => {
  const facts = { qemu: 'QEMU 7.2', kernel: 'abc', cpu: 'EPYC', kvmDevice: '2792:5@boot' };

  it('is keyed by every fact, in any order', () => {
    expect(verdictKey(facts)).toBe(
      verdictKey({ kvmDevice: '2792:5@boot', cpu: 'EPYC', kernel: 'abc', qemu: 'QEMU 7.2' }),
    );
    for (const k of Object.keys(facts)) expect(verdictKey({ ...facts, [k]: 'changed' }), k).not.toBe(verdictKey(facts));
  });

  it('is announced with its reason and age before any VM starts', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(
      describeChoice(
        'qemu',
        {
          accel: 'tcg',
          reason: 'KVM probe: guest died with "KVM internal error (suberror 1: emulation failure)"',
          probedAt: '2026-11-26T09:00:00Z',
          cached: true,
        },
        now,
      ),
    ).toBe(
      'qemu: TCG — KVM probe: guest died with "KVM internal error (suberror 1: emulation failure)" (cached verdict, probed 3 h ago)',
    );
    expect(describeChoice('qemu', { accel: 'tcg', reason: 'no /dev/kvm: software emulation (TCG)' })).toBe(
      'qemu: TCG — no /dev/kvm: software emulation (TCG)',
    );
    expect([ageText(5_000), ageText(600_000), ageText(5 * 86_400_000)]).toEqual([
      '5 s ago',
      '10 min ago',
      '5 days ago',
    ]);
  });
});
