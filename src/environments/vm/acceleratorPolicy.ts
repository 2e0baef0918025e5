// What every VM backend does when a guest dies at boot, once for all of them (qemu, microvm,
// vagrant): under KVM with accel auto, the rest of the experiment — and later experiments
// on this host and image, through the cached verdict — use TCG, and experiment.json says
// when and why; KVM asked for explicitly, one clear error instead.
import type { AcceleratorChange } from '../../results/types.js';
import type { EnvironmentInfo } from '../types.js';
import { explicitKvmFailed, GuestDiedError } from './guestDeath.js';

export type AskedAccel = 'auto' | 'kvm' | 'tcg' | 'hvf';

/** The backend's own part of a fallback: switch its accelerator and remember the verdict. */
export interface Fallback {
  /** the accelerator the failed boot ran under */
  current: 'kvm' | 'tcg' | null;
  /** switches the backend to TCG for its next boots; `reason` names the run and the death */
  toTcg(reason: string, death: string): Promise<void>;
  /** how the backend says what it switched to, for the log */
  what: string;
}

export class AcceleratorPolicy {
  private readonly changes: (AcceleratorChange & { at: string })[] = [];

  constructor(
    private readonly asked: AskedAccel,
    private readonly log: (m: string) => void,
  ) {}

  /** The error a failed boot becomes: as it was, the explicit-KVM error, or the run's failure with the switch said. */
  async onBootFailure(err: unknown, runId: string, fallback: Fallback): Promise<unknown> {
    if (!(err instanceof GuestDiedError) || fallback.current !== 'kvm') return err;
    if (this.asked === 'kvm') return explicitKvmFailed(err);
    const reason = `KVM failed in run ${runId}: ${err.reason}`;
    this.changes.push({ run: runId, from: 'kvm', to: 'tcg', reason: err.reason, at: new Date().toISOString() });
    await fallback.toTcg(reason, err.reason);
    this.log(
      `${fallback.what}: TCG — ${reason}; the remaining runs use TCG (verdict cached; versus doctor --reprobe retries KVM)`,
    );
    return new Error(`${err.message} (accel auto: the remaining runs use TCG)`);
  }

  /** experiment.json's facts after a fallback (nothing when none happened). */
  infoUpdates(reason: string | null = null): EnvironmentInfo {
    if (this.changes.length === 0) return {};
    return {
      accelerator: 'tcg',
      acceleratorReason: reason ?? this.changes.at(-1)!.reason,
      acceleratorChanges: this.changes,
    };
  }
}
