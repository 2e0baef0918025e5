import type { ChildProcess } from 'node:child_process';
import type { MachineFacts } from '../../results/types.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import type { SshConnection } from '../../ssh/connection.js';
import { pidAlive } from '../../util/process.js';
import type { WorkloadBundle } from '../../workload/bundle.js';
import { vmLimits } from '../sshWorker.js';
import type { Allocation, ArmedWorkload, EnforcedLimits, Invocation, WorkerHandle } from '../types.js';
import { armGuest, type GuestWorker, guestSamplers } from '../vm/guestWorker.js';
export class VagrantWorker implements WorkerHandle {
  machine: MachineFacts | null = null;
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

  /** What the VM layer arms and samples: this guest over SSH, its QEMU process (libvirt's) on the host. */
  private get guest(): GuestWorker {
    const pid = this.pid;
    return {
      name: this.name,
      allocation: this.allocation,
      ssh: this.ssh,
      sync: this.sync,
      segment: this.segment,
      machine: (facts) => {
        this.machine = facts;
      },
      host: {
        ended: () => (pid !== null && !pidAlive(pid) ? `the VM process of ${this.name} (pid ${pid}) ended` : null),
        settle: async (ms: number) => {
          const until = Date.now() + ms;
          while (pid !== null && pidAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        },
        sampler: (name, cpus, intervalMs) => (pid === null ? null : new ProcessSampler(name, pid, cpus, intervalMs)),
      },
    };
  }

  arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    return armGuest(this.guest, invocation, onLine);
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    return guestSamplers(this.guest, intervalMs, memoryIntervalMs);
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
