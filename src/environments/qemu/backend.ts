import fs from 'node:fs';
import path from 'node:path';
import type { ImageManifest } from '../../image/manifest.js';
import type { AcceleratorFacts, MachineFacts } from '../../results/types.js';
import type { Sampler } from '../../sampling/types.js';
import { SshConnection } from '../../ssh/connection.js';
import { tail } from '../../util/exec.js';
import { projectBundle, type WorkloadBundle } from '../../workload/bundle.js';
import {
  bridgeNicFact,
  createBridge,
  createTap,
  ownSegmentPort,
  removeSegment,
  type SegmentPort,
  segmentAddress,
  segmentMac,
} from '../segment.js';
import { askPoweroff, joinGuestSegment, vmLimits } from '../sshWorker.js';
import type {
  Allocation,
  ArmedWorkload,
  EnforcedLimits,
  Environment,
  EnvironmentInfo,
  Invocation,
  ProvisionRequest,
  WorkerHandle,
} from '../types.js';
import { AcceleratorPolicy } from '../vm/acceleratorPolicy.js';
import { dumpExcerpt, GuestDiedError, guestDeathReason } from '../vm/guestDeath.js';
import { armGuest, type GuestWorker, guestSamplers } from '../vm/guestWorker.js';
import { type AccelChoice, describeChoice } from './accel.js';
import { qemuArgs, type VmSpec } from './args.js';
import type { QemuConfig } from './config.js';
import { hostTscKhz, QEMU_FLAVOUR, type VmFlavour } from './flavour.js';
import { localMachine, type VmFiles, type VmMachine, type VmProcess } from './machine.js';
import { stallAfterS, watchConsole } from './silentConsole.js';

export function vmsDir(): string {
  return localMachine.vmsDir;
}

/** VMs started directly with QEMU, reached over SSH; the embedded default for VMs. */
export class QemuEnvironment implements Environment {
  private accel: AccelChoice | null = null;
  /** KVM → TCG switches during the experiment (accel: auto), for experiment.json */
  private readonly accelPolicy: AcceleratorPolicy;
  private qemuVersion = '';
  private readonly runs = new Map<string, QemuWorker[]>();
  private vmFiles: VmFiles | null = null;

  constructor(
    private readonly config: QemuConfig,
    readonly image: ImageManifest,
    readonly log: (m: string) => void = () => {},
    readonly workloads: WorkloadBundle = projectBundle(),
    readonly machine: VmMachine = localMachine,
    readonly flavour: VmFlavour = QEMU_FLAVOUR,
  ) {
    this.accelPolicy = new AcceleratorPolicy(config.accel, log);
  }

  get name(): VmFlavour['name'] {
    return this.flavour.name;
  }

  get files(): VmFiles {
    if (!this.vmFiles) throw new Error('qemu: not prepared');
    return this.vmFiles;
  }

  /** QEMU is there and the accelerator is chosen (the KVM verdict), announced before any VM starts. */
  async prepare(): Promise<void> {
    if (!(await this.machine.hasBinary(this.config.binary))) {
      throw new Error(
        `qemu: ${this.config.binary} is missing${this.machine.where}; install it with scripts/setup.sh (apt-get install qemu-system-x86 qemu-utils)`,
      );
    }
    this.qemuVersion = await this.machine.qemuVersion(this.config.binary);
    this.vmFiles = await this.machine.files(this.image, this.log);
    this.accel = await this.machine.chooseAccelerator(this.config.accel, this.image, this.vmFiles, this.config.binary);
    this.log(describeChoice(this.name, this.accel));
    if (this.accel.accel === 'tcg')
      this.log(
        `${this.name}: WARNING: VMs run under TCG software emulation; VM numbers are not those of a hardware hypervisor`,
      );
  }

  async describe(): Promise<EnvironmentInfo & Partial<AcceleratorFacts>> {
    if (!this.accel) await this.prepare();
    const accel = this.accel!;
    return {
      qemu: this.qemuVersion,
      machine: this.flavour.machine,
      accelerator: accel.accel,
      acceleratorReason: accel.reason,
      acceleratorProbedAt: accel.probedAt ?? null,
      kernel: this.image.kernelVersion,
      node: this.image.nodeVersion,
      hostView: 'process: /proc/<qemu pid>/stat, all threads',
      // the host QEMU runs on: this machine's /dev/vhost-net says nothing of a remote host's
      bridgeNic: bridgeNicFact(await this.machine.hasVhostNet()),
    };
  }

  /** What a run used, recorded in its runs.ndjson line. */
  runFacts(): Record<string, unknown> {
    return { accelerator: this.accel?.accel ?? null };
  }

  /** The accelerator as it ended, with every change made during the experiment. */
  infoUpdates(): Partial<AcceleratorFacts> {
    return this.accelPolicy.infoUpdates(this.accel?.reason ?? null);
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    if (!this.accel) await this.prepare();
    try {
      return await this.boot(req);
    } catch (err) {
      throw await this.onBootFailure(err, req.runId);
    }
  }

  /** A guest that died at boot: the VM layer's policy, this backend's accelerator switched. */
  private onBootFailure(err: unknown, runId: string): Promise<unknown> {
    return this.accelPolicy.onBootFailure(err, runId, {
      current: this.accel?.accel === 'kvm' ? 'kvm' : 'tcg',
      what: this.name,
      toTcg: async (reason, death) => {
        this.accel = { accel: 'tcg', reason };
        await this.machine.recordKvmFailure(this.files, this.config.binary, death).catch(() => {});
      },
    });
  }

  private async boot(req: ProvisionRequest): Promise<WorkerHandle[]> {
    const runDir = path.posix.join(this.machine.vmsDir, req.runId);
    await this.machine.mkdir(runDir);
    const segments = await this.segments(req);
    const workers = Array.from(
      { length: req.count },
      (_, i) =>
        new QemuWorker(this, `${this.name}-${i}`, req.allocation(i), runDir, req.artifactsDir, segments[i] ?? null),
    );
    this.runs.set(req.runId, workers);
    const deadline = Date.now() + this.config.bootTimeoutS * 1000;
    await Promise.all(workers.map((w) => w.boot(this.config.binary, this.accel!.accel, deadline, req.signal)));
    return workers;
  }

  /** With network bridge: the run's bridge and a tap on it per VM (vhost-net where the host has it). */
  private async segments(req: ProvisionRequest): Promise<WorkerSegment[]> {
    if (req.network !== 'bridge') return [];
    await createBridge(req.runId);
    const vhost = await this.machine.hasVhostNet();
    const out: WorkerSegment[] = [];
    for (let i = 0; i < req.count; i++)
      out.push({ tap: await createTap(req.runId, i), mac: segmentMac(i), vhost, address: segmentAddress(i) });
    return out;
  }

  async segmentPort(runId: string): Promise<SegmentPort> {
    return ownSegmentPort(runId);
  }

  get syncNeeded(): boolean {
    return this.workloads.hash !== this.image.workloadsHash;
  }

  async teardown(runId: string): Promise<void> {
    const workers = this.runs.get(runId) ?? [];
    await Promise.all(workers.map((w) => w.destroy(this.config.shutdownTimeoutS * 1000)));
    this.runs.delete(runId);
    await this.machine.killRecorded(path.posix.join(this.machine.vmsDir, runId));
    await removeSegment(runId);
  }

  async cleanExperiment(experimentId: string): Promise<string[]> {
    for (const id of [...this.runs.keys()]) await this.teardown(id);
    return this.machine.cleanLeftovers(`${experimentId}-`);
  }
}

export async function cleanQemuLeftovers(live: readonly string[] = []): Promise<string[]> {
  return localMachine.cleanLeftovers('', live);
}

type WorkerSegment = NonNullable<VmSpec['segment']> & { address: string };

class QemuWorker implements WorkerHandle {
  private child: VmProcess | null = null;
  private ssh: SshConnection | null = null;
  private qemuStderr = '';
  /** the guest's name of its NIC on the run's segment, once it has its address */
  private segmentNic: string | null = null;
  machine: MachineFacts | null = null;
  bootS: number | null = null;

  constructor(
    private readonly env: QemuEnvironment,
    readonly name: string,
    readonly allocation: Allocation,
    private readonly runDir: string,
    private readonly artifactsDir: string,
    private readonly segment: WorkerSegment | null,
  ) {}

  get limits(): EnforcedLimits {
    return vmLimits(this.allocation);
  }

  address(): string | null {
    return this.segment?.address ?? null;
  }

  private get keptSerialLog(): string {
    return path.join(this.artifactsDir, `${this.name}.serial.log`);
  }

  /** where QEMU writes the console: the results here, the run folder on a remote host */
  private get serialLog(): string {
    return this.env.machine.serialHere ? this.keptSerialLog : path.posix.join(this.runDir, `${this.name}.serial.log`);
  }

  /** The flavour's kernel command line; a microVM under TCG told the TSC frequency of the host QEMU runs on (flavour.tscHint). */
  private async cmdline(accel: AccelChoice['accel']): Promise<string> {
    const base = this.env.flavour.cmdline(this.env.image.kernelCmdline);
    if (!this.env.flavour.tscHint || accel !== 'tcg') return base;
    // remote hosts too: a microVM there calibrating against the PIT failed three boots in a row
    const khz = hostTscKhz(await this.env.machine.readTail('/proc/cpuinfo', 16_384).catch(() => ''));
    return khz ? `${base} tsc_early_khz=${khz}` : base;
  }

  async boot(binary: string, accel: AccelChoice['accel'], deadline: number, signal: AbortSignal): Promise<void> {
    const { machine, image, files } = this.env;
    const overlay = path.posix.join(this.runDir, `${this.name}.qcow2`);
    await machine.createOverlay(files.disk, overlay);
    fs.mkdirSync(this.artifactsDir, { recursive: true });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const port = await machine.port();
      const pidFile = path.posix.join(this.runDir, `${this.name}.pid`);
      const args = qemuArgs({
        name: this.name,
        machine: this.env.flavour.machine,
        accel,
        cpus: this.allocation.cpus,
        memoryMiB: Math.round(this.allocation.memoryBytes / 2 ** 20),
        kernel: files.kernel,
        initrd: files.initrd,
        cmdline: await this.cmdline(accel),
        overlay,
        sshPort: port,
        serialLog: this.serialLog,
        pidFile,
        ...(this.segment ? { segment: this.segment } : {}),
      });
      const cpuset = this.allocation.cpuset;
      const argv = cpuset ? ['taskset', '-c', cpuset.join(','), binary, ...args] : [binary, ...args];
      const child = machine.spawn(argv, pidFile);
      this.child = child;
      this.qemuStderr = '';
      // a guest that dies (KVM error, QEMU gone) ends the wait at once, not at the deadline
      const died = new AbortController();
      child.onStderr((d) => {
        this.qemuStderr = (this.qemuStderr + d).slice(-4000);
        const death = guestDeathReason(this.qemuStderr);
        if (death && !died.signal.aborted) died.abort(death);
      });
      child.onClose((end) => {
        const said = this.qemuStderr.trim().split('\n').at(-1);
        if (!died.signal.aborted) died.abort(`QEMU exited (${end}${said ? `: ${said}` : ''})`);
      });
      const onAbort = () => void child.stop([['SIGKILL', 0]]);
      let stalled = false;
      const unwatch = this.env.flavour.watchConsole
        ? watchConsole(
            () => machine.readTail(this.serialLog, 200),
            stallAfterS(accel) * 1000,
            () => {
              stalled = true;
              died.abort(`its console stopped ${stallAfterS(accel)} s before SSH answered`);
            },
          )
        : () => {};
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        this.ssh = await SshConnection.waitFor(
          machine.guestTarget(port, image),
          deadline,
          () => child.alive() && !signal.aborted,
          AbortSignal.any([signal, died.signal]),
        );
        this.bootS = (Date.now() - started) / 1000;
        this.port = port;
        if (this.segment) this.segmentNic = await joinGuestSegment(this.name, this.ssh, this.segment);
        return;
      } catch (err) {
        const portTaken = /Could not set up host forwarding rule/.test(this.qemuStderr);
        if (portTaken && attempt < 3) continue;
        if (stalled && attempt < 2 && !signal.aborted) {
          this.env.log(`${this.name}: ${String(died.signal.reason)}: QEMU restarted (attempt ${attempt + 2})`);
          await child.stop([['SIGKILL', 0]]);
          continue;
        }
        const serial = await machine.readTail(this.serialLog, 800).catch(() => '(no serial output)');
        if (died.signal.aborted && !signal.aborted) {
          const reason = String(died.signal.reason);
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          const dump = dumpExcerpt(this.qemuStderr) || tail(this.qemuStderr, 300) || '(nothing on stderr)';
          throw new GuestDiedError(
            `${this.name}: the guest died ${seconds} s into boot under ${accel.toUpperCase()}: ${reason}; qemu: ${dump}; serial console tail: ${serial}`,
            reason,
          );
        }
        const qemuSaid = this.qemuStderr.trim() ? `; qemu: ${tail(this.qemuStderr, 400)}` : '';
        throw new Error(
          `${this.name} did not answer SSH: ${(err as Error).message}${qemuSaid}; serial console tail: ${serial}`,
        );
      } finally {
        unwatch();
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  port = 0;

  /** What the VM layer arms and samples: this guest over SSH, its QEMU process on the host. */
  private get guest(): GuestWorker {
    return {
      name: this.name,
      allocation: this.allocation,
      ssh: this.ssh,
      sync: this.env.syncNeeded ? this.env.workloads : null,
      segment: this.segment ? { nic: this.segmentNic ?? undefined, tap: this.segment.tap } : null,
      machine: (facts) => {
        this.machine = facts;
      },
      host: {
        ended: () => {
          const child = this.child;
          return child && !child.alive() ? `the QEMU process of ${this.name} ended (${child.endText()})` : null;
        },
        settle: async (ms: number) => {
          const child = this.child;
          if (!child?.alive()) return;
          await Promise.race([new Promise((r) => child.onClose(r)), new Promise((r) => setTimeout(r, ms))]);
        },
        sampler: (name, cpus, intervalMs) => this.child?.sampler(name, cpus, intervalMs) ?? null,
      },
    };
  }

  arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    return armGuest(this.guest, invocation, onLine);
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    return guestSamplers(this.guest, intervalMs, memoryIntervalMs);
  }

  async destroy(graceMs: number): Promise<void> {
    const ssh = this.ssh;
    this.ssh = null;
    if (ssh && !this.env.flavour.askPoweroff) ssh.close();
    else if (ssh) {
      // Ask politely; the overlay is thrown away, so nothing needs flushing.
      await askPoweroff(ssh);
      ssh.close();
    }
    if (this.child)
      await this.child.stop([
        [null, ssh && this.env.flavour.askPoweroff ? graceMs : 0],
        ['SIGTERM', 5000],
        ['SIGKILL', 0],
      ]);
    if (!this.env.machine.serialHere)
      await this.env.machine.keepSerial(this.serialLog, this.keptSerialLog).catch(() => {});
  }
}
