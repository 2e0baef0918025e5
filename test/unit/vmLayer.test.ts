// The VM layer's boot-failure policy, the same for qemu, microvm and vagrant.
import { describe, expect, it } from 'vitest';
import { AcceleratorPolicy } from '../../src/environments/vm/acceleratorPolicy.js';
import { GuestDiedError } from '../../src/environments/vm/guestDeath.js';

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
