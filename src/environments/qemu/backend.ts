import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Experiment } from '../../config/schema.js';
import { cacheDir, type ImageManifest } from '../../image/manifest.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import { SshConnection } from '../../ssh/connection.js';
import { run, tail, which } from '../../util/exec.js';
import { freePort } from '../../util/ports.js';
import { childAlive, stopChild } from '../../util/process.js';
import { projectBundle, type WorkloadBundle } from '../../workload/bundle.js';
import { armOverSsh, askPoweroff, guestSampler, syncWorkloads, vmLimits } from '../sshWorker.js';
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
import { type AccelChoice, chooseAccelerator, describeChoice, recordKvmFailure } from './accel.js';
import { qemuArgs } from './args.js';
import { dumpExcerpt, explicitKvmFailed, GuestDiedError, guestDeathReason } from './guestDeath.js';

export function vmsDir(): string {
  return path.join(cacheDir(), 'vms');
}

/** VMs started directly with QEMU, reached over SSH; the embedded default for VMs. */
export class QemuEnvironment implements Environment {
  readonly name = 'qemu' as const;
  private accel: AccelChoice | null = null;
  /** KVM → TCG switches during the experiment (accel: auto), for experiment.json */
  private readonly accelChanges: { run: string; from: string; to: string; reason: string; at: string }[] = [];
  private qemuVersion = '';
  private readonly runs = new Map<string, QemuWorker[]>();

  constructor(
    private readonly config: Experiment['qemu'],
    private readonly image: ImageManifest,
    private readonly log: (m: string) => void = () => {},
    readonly workloads: WorkloadBundle = projectBundle(),
  ) {}

  /** QEMU is there and the accelerator is chosen (the KVM verdict), announced before any VM starts. */
  async prepare(): Promise<void> {
    if (!(await which(this.config.binary))) {
      throw new Error(
        `qemu: ${this.config.binary} is missing; install it with scripts/setup.sh (apt-get install qemu-system-x86 qemu-utils)`,
      );
    }
    this.qemuVersion = (await run(this.config.binary, ['--version'])).stdout.split('\n')[0]!.trim();
    this.accel = await chooseAccelerator(this.config.accel, this.probeTarget());
    this.log(describeChoice('qemu', this.accel));
    if (this.accel.accel === 'tcg')
      this.log(
        'qemu: WARNING: VMs run under TCG software emulation; VM numbers are not those of a hardware hypervisor',
      );
  }

  async describe(): Promise<EnvironmentInfo> {
    if (!this.accel) await this.prepare();
    const accel = this.accel!;
    return {
      qemu: this.qemuVersion,
      accelerator: accel.accel,
      acceleratorReason: accel.reason,
      acceleratorProbedAt: accel.probedAt ?? null,
      kernel: this.image.kernelVersion,
      node: this.image.nodeVersion,
      hostView: 'process: /proc/<qemu pid>/stat, all threads',
    };
  }

  private probeTarget() {
    return { binary: this.config.binary, kernel: this.image.kernel, initrd: this.image.initrd };
  }

  /** What a run used, recorded in its runs.ndjson line. */
  runFacts(): Record<string, unknown> {
    return { accelerator: this.accel?.accel ?? null };
  }

  /** The accelerator as it ended, with every change made during the experiment. */
  infoUpdates(): Record<string, unknown> {
    if (!this.accel || this.accelChanges.length === 0) return {};
    return {
      accelerator: this.accel.accel,
      acceleratorReason: this.accel.reason,
      acceleratorChanges: this.accelChanges,
    };
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    if (!this.accel) await this.prepare();
    try {
      return await this.boot(req);
    } catch (err) {
      throw await this.onBootFailure(err, req.runId);
    }
  }

  /**
   * A guest that died under KVM: with accel auto the rest of the experiment (and later
   * ones on this host and image) use TCG; asked for explicitly, one clear error.
   */
  private async onBootFailure(err: unknown, runId: string): Promise<unknown> {
    if (!(err instanceof GuestDiedError) || this.accel?.accel !== 'kvm') return err;
    if (this.config.accel === 'kvm') {
      return explicitKvmFailed(err);
    }
    const reason = `KVM failed in run ${runId}: ${err.reason}`;
    this.accelChanges.push({ run: runId, from: 'kvm', to: 'tcg', reason: err.reason, at: new Date().toISOString() });
    this.accel = { accel: 'tcg', reason };
    await recordKvmFailure(this.probeTarget(), err.reason).catch(() => {});
    this.log(`qemu: TCG — ${reason}; the remaining runs use TCG (verdict cached; versus doctor --reprobe retries KVM)`);
    return new Error(`${err.message} (accel auto: the remaining runs use TCG)`);
  }

  private async boot(req: ProvisionRequest): Promise<WorkerHandle[]> {
    const runDir = path.join(vmsDir(), req.runId);
    fs.mkdirSync(runDir, { recursive: true });
    const workers = Array.from(
      { length: req.count },
      (_, i) => new QemuWorker(this, `qemu-${i}`, req.allocation(i), runDir, req.artifactsDir),
    );
    this.runs.set(req.runId, workers);
    const deadline = Date.now() + this.config.bootTimeoutS * 1000;
    await Promise.all(
      workers.map((w) => w.boot(this.config.binary, this.accel!.accel, this.image, deadline, req.signal)),
    );
    return workers;
  }

  get syncNeeded(): boolean {
    return this.workloads.hash !== this.image.workloadsHash;
  }

  async teardown(runId: string): Promise<void> {
    const workers = this.runs.get(runId) ?? [];
    await Promise.all(workers.map((w) => w.destroy(this.config.shutdownTimeoutS * 1000)));
    this.runs.delete(runId);
    killRecordedVms(path.join(vmsDir(), runId));
  }

  /** Kills QEMU processes recorded in pid files (a killed harness leaves them) and removes overlays. */
  async cleanAll(): Promise<string[]> {
    for (const id of [...this.runs.keys()]) await this.teardown(id);
    return cleanQemuLeftovers();
  }
}

export async function cleanQemuLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  if (!fs.existsSync(vmsDir())) return removed;
  for (const runId of fs.readdirSync(vmsDir())) {
    removed.push(...killRecordedVms(path.join(vmsDir(), runId)), `overlays of ${runId}`);
  }
  return removed;
}

/** Kills every QEMU named by a pid file in dir (checking it is ours), then removes dir. */
function killRecordedVms(dir: string): string[] {
  const killed: string[] = [];
  if (!fs.existsSync(dir)) return killed;
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.pid'))) {
    const pid = Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // already gone
    }
    if (!cmdline.includes('versus-qemu-')) continue; // pid reused by something else
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(`qemu pid ${pid} (${path.basename(dir)}/${f.replace(/\.pid$/, '')})`);
    } catch {
      // ended meanwhile
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return killed;
}

class QemuWorker implements WorkerHandle {
  private child: ChildProcess | null = null;
  private ssh: SshConnection | null = null;
  private qemuStderr = '';
  bootS: number | null = null;

  constructor(
    private readonly env: QemuEnvironment,
    readonly name: string,
    readonly allocation: Allocation,
    private readonly runDir: string,
    private readonly artifactsDir: string,
  ) {}

  get limits(): EnforcedLimits {
    return vmLimits(this.allocation);
  }

  private get serialLog(): string {
    return path.join(this.artifactsDir, `${this.name}.serial.log`);
  }

  async boot(
    binary: string,
    accel: AccelChoice['accel'],
    image: ImageManifest,
    deadline: number,
    signal: AbortSignal,
  ): Promise<void> {
    const overlay = path.join(this.runDir, `${this.name}.qcow2`);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.disk, overlay]);
    fs.mkdirSync(this.artifactsDir, { recursive: true });
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const args = qemuArgs({
        name: this.name,
        accel,
        cpus: this.allocation.cpus,
        memoryMiB: Math.round(this.allocation.memoryBytes / 2 ** 20),
        kernel: image.kernel,
        initrd: image.initrd,
        cmdline: image.kernelCmdline,
        overlay,
        sshPort: port,
        serialLog: this.serialLog,
        pidFile: path.join(this.runDir, `${this.name}.pid`),
      });
      const cpuset = this.allocation.cpuset;
      const child = cpuset
        ? spawn('taskset', ['-c', cpuset.join(','), binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      this.child = child;
      this.qemuStderr = '';
      // a guest that dies (KVM error, QEMU gone) ends the wait at once, not at the deadline
      const died = new AbortController();
      child.stderr!.on('data', (d: Buffer) => {
        this.qemuStderr = (this.qemuStderr + d.toString()).slice(-4000);
        const death = guestDeathReason(this.qemuStderr);
        if (death && !died.signal.aborted) died.abort(death);
      });
      child.once('close', (code, sig) => {
        const said = this.qemuStderr.trim().split('\n').at(-1);
        if (!died.signal.aborted) died.abort(`QEMU exited (${sig ?? `exit ${code}`}${said ? `: ${said}` : ''})`);
      });
      const onAbort = () => child.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        this.ssh = await SshConnection.waitFor(
          {
            host: '127.0.0.1',
            port,
            username: 'root',
            privateKey: fs.readFileSync(image.clientKey),
            pinnedHostKey: image.hostKey.publicKeyBase64,
          },
          deadline,
          () => childAlive(child) && !signal.aborted,
          AbortSignal.any([signal, died.signal]),
        );
        this.bootS = (Date.now() - started) / 1000;
        this.port = port;
        return;
      } catch (err) {
        const portTaken = /Could not set up host forwarding rule/.test(this.qemuStderr);
        if (portTaken && attempt < 3) continue;
        const serial = fs.existsSync(this.serialLog)
          ? tail(fs.readFileSync(this.serialLog, 'utf8'), 800)
          : '(no serial output)';
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
        signal.removeEventListener('abort', onAbort);
      }
    }
  }

  port = 0;

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    const ssh = this.ssh;
    if (!ssh) throw new Error(`${this.name} is not booted`);
    if (this.env.syncNeeded) await syncWorkloads(this.name, ssh, this.env.workloads);
    return armOverSsh(this.name, ssh, invocation, onLine, {
      ended: () => {
        const child = this.child;
        return child && !childAlive(child)
          ? `the QEMU process of ${this.name} ended (${child.signalCode ?? `exit ${child.exitCode}`})`
          : null;
      },
      settle: async (ms: number) => {
        const child = this.child;
        if (!child || !childAlive(child)) return;
        await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, ms))]);
      },
    });
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    const out: Sampler[] = [];
    if (this.ssh) out.push(guestSampler(this.name, this.ssh, this.allocation.cpus, intervalMs, memoryIntervalMs));
    if (this.pid) out.push(new ProcessSampler(this.name, this.pid, this.allocation.cpus, intervalMs));
    return out;
  }

  async destroy(graceMs: number): Promise<void> {
    const ssh = this.ssh;
    this.ssh = null;
    if (ssh) {
      // Ask politely; the overlay is thrown away, so nothing needs flushing.
      await askPoweroff(ssh);
      ssh.close();
    }
    if (this.child)
      await stopChild(this.child, [
        [null, ssh ? graceMs : 0],
        ['SIGTERM', 5000],
        ['SIGKILL', 0],
      ]);
  }
}
