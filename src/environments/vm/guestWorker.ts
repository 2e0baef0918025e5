// A VM worker's part that is the same whoever boots the machine (QEMU directly, vagrant through
// libvirt): the workload armed over SSH at the barrier, workloads copied in when the image's are
// stale, the guest's own view and the host process's beside it (its tap's counters on a bridge).

import type { MachineFacts } from '../../results/types.js';
import { LinkCounter, TAP_FORMULA } from '../../sampling/netdev.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import type { SshConnection } from '../../ssh/connection.js';
import type { WorkloadBundle } from '../../workload/bundle.js';
import { armOverSsh, guestCommand, guestSampler, syncWorkloads } from '../sshWorker.js';
import type { Allocation, ArmedWorkload, Invocation } from '../types.js';

/** What the VM backend knows of one machine's host side. */
export interface VmHostSide {
  /** why the machine's host process is gone, or null while it runs */
  ended(): string | null;
  /** waits up to ms for the host process to end (a guest that powered off) */
  settle(ms: number): Promise<void>;
  /** the host process's sampler (what the host pays), if there is one */
  sampler(name: string, cpus: number, intervalMs: number): Sampler | null;
}

export interface GuestWorker {
  name: string;
  allocation: Allocation;
  ssh: SshConnection | null;
  /** the workloads to copy in when the image's are stale; null: the image's are current */
  sync: WorkloadBundle | null;
  host: VmHostSide;
  /** on a bridge: the guest's name of its segment NIC and the host's tap for it */
  segment: { nic?: string; tap?: string } | null;
  /** where the guest's machine facts go, read once it answers */
  machine?: (facts: MachineFacts) => void;
}

/** One shell line: the CPU model, the feature flags and the clocksource, a line each. */
export const MACHINE_FACTS_SCRIPT =
  "grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-; grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2- | wc -w; cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo";

/** What MACHINE_FACTS_SCRIPT printed. Pure. */
export function parseMachineFacts(text: string): MachineFacts {
  const [model = '', flags = '0', clock = ''] = text.split('\n').map((l) => l.trim());
  return { cpuModel: model || 'unknown', cpuFlags: Number(flags) || 0, clocksource: clock || null };
}

/** Starts the workload in the guest up to the barrier. */
export async function armGuest(
  w: GuestWorker,
  invocation: Invocation,
  onLine: (line: string) => void,
): Promise<ArmedWorkload> {
  if (!w.ssh) throw new Error(`${w.name} is not up`);
  if (w.sync) await syncWorkloads(w.name, w.ssh, w.sync);
  if (w.machine) {
    const facts = await w.ssh.run(MACHINE_FACTS_SCRIPT).catch(() => null);
    if (facts) w.machine(parseMachineFacts(facts.stdout));
  }
  return armOverSsh(w.name, w.ssh, guestCommand(invocation), onLine, {
    ended: () => w.host.ended(),
    settle: (ms) => w.host.settle(ms),
  });
}

/** The guest's own view first (the figures' source), then the host process's, counting its tap. */
export function guestSamplers(w: GuestWorker, intervalMs: number, memoryIntervalMs?: number): Sampler[] {
  const out: Sampler[] = [];
  const cpus = w.allocation.cpus;
  if (w.ssh) out.push(guestSampler(w.name, w.ssh, cpus, intervalMs, memoryIntervalMs, w.segment?.nic));
  const vm = w.host.sampler(w.name, cpus, intervalMs);
  const tap = w.segment?.tap;
  if (vm && tap && vm instanceof ProcessSampler) vm.countNetwork(() => new LinkCounter(tap), TAP_FORMULA);
  if (vm) out.push(vm);
  return out;
}
