import path from 'node:path';
import { GuestSampler } from '../sampling/guestSampler.js';
import { SshConnection } from '../ssh/connection.js';
import { shellCommand } from '../ssh/quote.js';
import { tail } from '../util/exec.js';
import { GUEST_WORKLOADS_DIR } from '../util/paths.js';
import { type WorkloadBundle, workloadsTar } from '../workload/bundle.js';
import {
  type Allocation,
  type ArmedWorkload,
  barrierArgs,
  type EnforcedLimits,
  type Invocation,
  type WorkerExit,
} from './types.js';
import { WorkerOutput } from './workerOutput.js';

/**
 * What every VM backend reached over SSH shares (qemu, vagrant): the workload
 * started through a channel and held at the barrier, workloads copied in when
 * they changed, the guest's own sampler on a connection of its own.
 */

/** How the backend tells whether the VM itself died (not just the connection). */
export interface MachineWatch {
  /** null while the VM runs; else how it ended, e.g. "the QEMU process of qemu-0 ended (SIGKILL)" */
  ended(): string | null;
  /** waits up to ms for the VM to end (a dying VM drops SSH a moment before its process is reaped) */
  settle(ms: number): Promise<void>;
}

/** Workloads edited since the image was built: send them in as a tar over the SSH connection. */
export async function syncWorkloads(worker: string, ssh: SshConnection, bundle: WorkloadBundle): Promise<void> {
  const archive = await workloadsTar(bundle);
  const r = await ssh.run(
    `rm -rf ${GUEST_WORKLOADS_DIR} && tar -xf - -C ${path.posix.dirname(GUEST_WORKLOADS_DIR)}`,
    archive,
  );
  if (r.code !== 0) throw new Error(`${worker}: copying workloads into the VM failed: ${tail(r.stderr, 300)}`);
}

/** The guest's command for a workload: the image's node runs barrier.mjs. Pure. */
export function guestCommand(invocation: Invocation): string {
  const argv = ['/usr/bin/node', `${GUEST_WORKLOADS_DIR}/barrier.mjs`, ...barrierArgs(invocation)];
  return `cd /tmp && exec ${shellCommand(argv)}`;
}

/** Starts a workload's command (`node barrier.mjs …`) over SSH and resolves once it printed its ready line. */
export async function armOverSsh(
  worker: string,
  ssh: SshConnection,
  command: string,
  onLine: (line: string) => void,
  machine: MachineWatch,
): Promise<ArmedWorkload> {
  const channel = await ssh.exec(command);
  const output = new WorkerOutput(onLine);
  channel.on('data', (d: Buffer) => output.stdout(d));
  channel.stderr.on('data', (d: Buffer) => output.stderr(d));
  const exit = new Promise<WorkerExit>((resolve) => {
    let code: number | null = null;
    let sig: string | null = null;
    channel.on('exit', (c: number | null, s?: string) => {
      code = c;
      sig = s ?? null;
    });
    channel.on('close', async () => {
      output.end();
      if (code === null && machine.ended() === null) await machine.settle(1500);
      const vmGone = machine.ended();
      resolve({
        code,
        reason:
          vmGone ??
          (sig
            ? `killed by SIG${sig}`
            : code === null
              ? 'SSH channel closed without an exit status (connection lost)'
              : code !== 0
                ? `exit code ${code}`
                : null),
        stderrTail: output.stderrTail(),
      });
    });
  });
  await output.waitReady(worker, exit);
  return {
    worker,
    release: () => {
      channel.write('go\n');
    },
    stop: () => {
      channel.write('stop\n');
    },
    exit,
    kill: async () => {
      channel.signal?.('KILL');
      channel.close();
    },
  };
}

/** The guest's view, on its own connection: losing it never touches the workload's. */
export function guestSampler(
  worker: string,
  ssh: SshConnection,
  cpus: number,
  intervalMs: number,
  memoryIntervalMs = 2000,
  /** the guest's NIC on the run's segment (network bridge), counted from inside */
  netIface?: string,
): GuestSampler {
  const target = ssh.pinnedTarget;
  return new GuestSampler(
    worker,
    () => SshConnection.connect(target, 10_000),
    Math.max(1, Math.ceil(cpus)),
    intervalMs,
    memoryIntervalMs,
    'guest',
    netIface,
  );
}

/** Asks the guest to power off, without waiting for it. */
export async function askPoweroff(ssh: SshConnection): Promise<void> {
  await Promise.race([
    ssh.exec('systemctl poweroff --no-block || poweroff').catch(() => null),
    new Promise((r) => setTimeout(r, 2000)),
  ]);
}

/** What a VM enforces: whole vCPUs and its RAM (the guest kernel and services share them). */
export function vmLimits(a: Allocation): EnforcedLimits {
  return {
    cpus: Math.max(1, Math.ceil(a.cpus)),
    memoryBytes: a.memoryBytes,
    cpuset: a.cpuset,
    via: 'VM size (vCPUs, RAM)',
  };
}

/** A VM's NIC on its run's segment, as the guest finds it (by MAC) and the address versus gives it. */
export interface GuestSegmentNic {
  mac: string;
  address: string;
}

/** The guest's side of its segment NIC (found by its MAC): its address, up; prints the NIC's name. Pure. */
export function guestSegmentScript(nic: GuestSegmentNic): string {
  return `for d in /sys/class/net/*; do [ "$(cat "$d/address")" = "${nic.mac}" ] && n="\${d##*/}"; done; [ -n "$n" ] && ip addr add ${nic.address}/16 dev "$n" && ip link set "$n" up && echo "$n"`;
}

/**
 * Gives the guest its segment address over SSH and returns the name the guest gave the NIC
 * (its counters are read by that name); fails naming the worker, the NIC and what the guest said.
 */
export async function joinGuestSegment(worker: string, ssh: SshConnection, nic: GuestSegmentNic): Promise<string> {
  const r = await ssh.run(guestSegmentScript(nic));
  const name = r.stdout.trim();
  if (r.code !== 0 || !name)
    throw new Error(
      `${worker}: could not give its segment NIC (${nic.mac}) ${nic.address}: ${r.stderr.trim() || `exit ${r.code}`}`,
    );
  return name;
}
