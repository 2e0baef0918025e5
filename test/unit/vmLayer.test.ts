// The VM layer's boot-failure policy, the same for qemu, microvm and vagrant.
import { describe, expect, it } from 'vitest';
import { AcceleratorPolicy } from '../../src/environments/vm/acceleratorPolicy.js';
import { GuestDiedError } from '../../src/environments/vm/guestDeath.js';
import { parseMachineFacts } from '../../src/environments/vm/guestWorker.js';
import { machineWarning } from '../../src/results/machines.js';
import type { RunRecord } from '../../src/results/types.js';

const died = () => new GuestDiedError('qemu-0: the guest died 1.2 s into boot under KVM', 'KVM internal error');

function policy(asked: 'auto' | 'kvm') {
  const logs: string[] = [];
  const switched: string[] = [];
  const p = new AcceleratorPolicy(asked, (m) => logs.push(m));
  const fallback = (current: 'kvm' | 'tcg') => ({
    current,
    what: 'qemu',
    toTcg: async (reason: string, death: string) => {
      switched.push(`${reason} | ${death}`);
    },
  });
  return { p, logs, switched, fallback };
}

describe('a guest that dies at boot', () => {
  it('under KVM with accel auto: the run fails saying the rest use TCG, the backend switches, experiment.json is told', async () => {
    const { p, logs, switched, fallback } = policy('auto');
    const err = (await p.onBootFailure(died(), 'exp-001', fallback('kvm'))) as Error;
    expect(err.message).toBe(
      'qemu-0: the guest died 1.2 s into boot under KVM (accel auto: the remaining runs use TCG)',
    );
    expect(switched).toEqual(['KVM failed in run exp-001: KVM internal error | KVM internal error']);
    expect(logs[0]).toMatch(/^qemu: TCG — KVM failed in run exp-001/);
    expect(p.infoUpdates()).toMatchObject({
      accelerator: 'tcg',
      acceleratorChanges: [{ run: 'exp-001', from: 'kvm', to: 'tcg', reason: 'KVM internal error' }],
    });
  });

  it('under KVM asked for explicitly: one clear error, no switch', async () => {
    const { p, switched, fallback } = policy('kvm');
    const err = (await p.onBootFailure(died(), 'exp-001', fallback('kvm'))) as Error;
    expect(err.message).toMatch(/KVM/);
    expect(err.message).not.toContain('remaining runs use TCG');
    expect(switched).toEqual([]);
    expect(p.infoUpdates()).toEqual({});
  });

  it('under TCG, or of another cause: the error as it was', async () => {
    const { p, switched, fallback } = policy('auto');
    const other = new Error('did not answer SSH');
    expect(await p.onBootFailure(died(), 'r', fallback('tcg'))).toBeInstanceOf(GuestDiedError);
    expect(await p.onBootFailure(other, 'r', fallback('kvm'))).toBe(other);
    expect(switched).toEqual([]);
  });
});

describe('the machine a VM worker ran on', () => {
  it('is read from the guest: CPU model, flags, clocksource', () => {
    expect(parseMachineFacts(' QEMU TCG CPU version 2.5+\n79\ntsc\n')).toEqual({
      cpuModel: 'QEMU TCG CPU version 2.5+',
      cpuFlags: 79,
      clocksource: 'tsc',
    });
    expect(parseMachineFacts('\n\n')).toEqual({ cpuModel: 'unknown', cpuFlags: 0, clocksource: null });
  });

  it('is said when two VM flavours ran on different machines, and not when they ran on the same', () => {
    const run = (env: string, clocksource: string) =>
      ({
        env,
        workers: [{ machine: { cpuModel: 'QEMU TCG CPU version 2.5+', cpuFlags: 79, clocksource } }],
      }) as RunRecord;
    expect(
      machineWarning([run('qemu', 'tsc'), run('microvm', 'tsc'), { env: 'docker', workers: [{}] } as RunRecord]),
    ).toBeNull();
    expect(machineWarning([run('qemu', 'tsc'), run('microvm', 'jiffies')])).toMatch(
      /^VM workers saw different machines \(qemu: .*clocksource tsc; microvm: .*clocksource jiffies\)/,
    );
  });
});
