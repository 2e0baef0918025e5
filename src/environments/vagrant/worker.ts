import type { ChildProcess } from 'node:child_process';
import { LinkCounter, TAP_FORMULA } from '../../sampling/netdev.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import type { SshConnection } from '../../ssh/connection.js';
import { pidAlive } from '../../util/process.js';
import type { WorkloadBundle } from '../../workload/bundle.js';
import { armOverSsh, guestCommand, guestSampler, syncWorkloads, vmLimits } from '../sshWorker.js';
import type { Allocation, ArmedWorkload, EnforcedLimits, Invocation, WorkerHandle } from '../types.js';
export class VagrantWorker implements WorkerHandle {
  constructor(
    readonly name: string,
    readonly allocation: Allocation,
    private ssh: SshConnection | null,
    private readonly pid: number | null,
    readonly bootS: number | null,
    /** the workloads to copy in when the image's are stale */
    private readonly sync: WorkloadBundle | null,
    /** network bridge: its address on the run's segment the tap libvirt made for it and the guest's name of the NIC */
    private readonly segment: { address: string; tap: string; nic: string } | null = null,
  ) {}

  address(): string | null {
    return this.segment?.address ?? null;
  }

  get limits(): EnforcedLimits {
    return vmLimits(this.allocation);
  }

  async arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    const ssh = this.ssh;
    if (!ssh) throw new Error(`${this.name} is not up`);
    if (this.sync) await syncWorkloads(this.name, ssh, this.sync);
    const pid = this.pid;
    return armOverSsh(this.name, ssh, guestCommand(invocation), onLine, {
      ended: () => (pid !== null && !pidAlive(pid) ? `the VM process of ${this.name} (pid ${pid}) ended` : null),
      settle: async (ms: number) => {
        const until = Date.now() + ms;
        while (pid !== null && pidAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      },
    });
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    const out: Sampler[] = [];
    if (this.ssh)
      out.push(
        guestSampler(this.name, this.ssh, this.allocation.cpus, intervalMs, memoryIntervalMs, this.segment?.nic),
      );
    if (this.pid !== null) {
      const vm = new ProcessSampler(this.name, this.pid, this.allocation.cpus, intervalMs);
      const tap = this.segment?.tap;
      if (tap) vm.countNetwork(() => new LinkCounter(tap), TAP_FORMULA);
      out.push(vm);
    }
    return out;
  }

  /** Closes the connection; vagrant destroy stops the VM. */
  async close(): Promise<void> {
    this.ssh?.close();
    this.ssh = null;
  }
}

/** One run's vagrant: its environment, the `vagrant up` still going, its workers. */
export interface RunState {
  env: NodeJS.ProcessEnv;
  up: ChildProcess | null;
  workers: VagrantWorker[];
}
