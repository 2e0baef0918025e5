import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ImageManifest } from '../../image/manifest.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import { projectBundle, type WorkloadBundle } from '../../workload/bundle.js';
import { RunProcesses, startProcess, type TreeLauncher } from '../processHost.js';
import {
  createBridge,
  joinHostEndpoint,
  joinNetns,
  ownSegmentPort,
  removeExperimentSegments,
  removeHostEndpoints,
  removeSegment,
  type SegmentPort,
} from '../segment.js';
import {
  type Allocation,
  type ArmedWorkload,
  barrierArgs,
  type EnforcedLimits,
  type Environment,
  type EnvironmentInfo,
  type Invocation,
  type ProvisionRequest,
  type WorkerHandle,
} from '../types.js';
import { cgroupVersion, createWorkerCgroup, enterCgroupArgv, removeWorkerCgroup } from './cgroupLimits.js';
import type { NativeConfig } from './config.js';
import { chrootWorker } from './remoteScripts.js';

/** The baseline's launcher: chroot into the tree, in a mount namespace of the worker's own. */
export const CHROOT_LAUNCHER: TreeLauncher = { name: 'native', runtime: 'image (chroot)', argv: chrootWorker };

/**
 * The baseline: the workload as a plain host process. By default it runs the
 * worker image's own node and libraries through chroot, so native, container and
 * VM execute the identical runtime; `runtime: host` uses this machine's node. Another
 * launcher (Charliecloud's ch-run) makes it the process host of a container runtime
 * without a daemon: the same cgroups, segment and sampling.
 */
export class NativeEnvironment implements Environment {
  readonly name: string;
  private readonly processes = new RunProcesses();
  /** worker cgroup names per run, removed at teardown */
  private readonly cgroups = new Map<string, Set<string>>();
  /** runs whose workers are roles placed on the host: a segment there is another environment's, only the endpoints ours */
  private readonly onHost = new Set<string>();

  constructor(
    private readonly config: NativeConfig,
    private readonly image: ImageManifest | null,
    private readonly workloads: WorkloadBundle = projectBundle(),
    readonly launcher: TreeLauncher = CHROOT_LAUNCHER,
  ) {
    this.name = launcher.name;
  }

  /** The image's tree is shared and never written: each worker sees this experiment's workloads bind-mounted over its copy. */
  async prepare(): Promise<void> {
    if (this.config.runtime !== 'image') return;
    if (!this.image) throw new Error(`${this.name}: runtime "image" needs the worker image`);
  }

  async describe(): Promise<EnvironmentInfo> {
    if (this.config.runtime === 'image' && this.image) {
      return {
        runtime: this.launcher.runtime,
        node: this.image.nodeVersion,
        rootfs: this.image.rootfs,
        limits: this.limitsText(),
      };
    }
    return { runtime: 'host', node: process.version, limits: this.limitsText() };
  }

  private limitsText(): string {
    if (this.config.limits === 'none') return 'none: unconstrained (threads = allocation; taskset when pinned)';
    const v = cgroupVersion();
    if (v === null) throw new Error('native: no cgroup hierarchy to enforce the allocation; set native.limits: none');
    return `a cgroup (v${v}) per worker: CPU quota and memory limit of the allocation, as a container`;
  }

  get enforceLimits(): boolean {
    return this.config.limits === 'cgroup';
  }

  /** argv that starts barrier.mjs with the chosen runtime. Pure. */
  command(invocation: Invocation, allocation: Allocation, withProc = false): { cmd: string; args: string[] } {
    const node = ['/usr/bin/node', `${GUEST_WORKLOADS_DIR}/barrier.mjs`];
    const image = this.config.runtime === 'image' ? this.image : null;
    // in the image's tree: this experiment's workloads bind-mounted over the tree's, and for a
    // worker on a network (it reads its namespace's /proc/net) a proc of its own — both in a
    // mount namespace of the worker's own, gone with it
    const inner = !image
      ? [process.execPath, path.join(this.workloads.dir, 'barrier.mjs')]
      : [...this.launcher.argv(image.rootfs, this.workloads.dir, withProc), ...node];
    const argv = [...inner, ...barrierArgs(invocation)];
    if (allocation.cpuset) argv.unshift('taskset', '-c', allocation.cpuset.join(','));
    return { cmd: argv[0]!, args: argv.slice(1) };
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    const set = this.processes.of(req.runId);
    const cgroups = new Set<string>();
    this.cgroups.set(req.runId, cgroups);
    if (req.onHost) this.onHost.add(req.runId);
    const nets = await workerNetworks(req);
    // on the host for another environment's run: named so that no one takes them for native's
    const name = req.onHost ? 'host' : this.name;
    return Array.from(
      { length: req.count },
      (_, i) => new NativeWorker(this, `${name}-${i}`, req.allocation(i), set, req.runId, cgroups, nets[i]!),
    );
  }

  async segmentPort(runId: string): Promise<SegmentPort> {
    return ownSegmentPort(runId);
  }

  async teardown(runId: string): Promise<void> {
    await this.processes.kill(runId);
    for (const name of this.cgroups.get(runId) ?? []) removeWorkerCgroup(name);
    this.cgroups.delete(runId);
    if (this.onHost.delete(runId)) await removeHostEndpoints(runId);
    else await removeSegment(runId);
  }

  /** Its own workers (every one a child of this harness) and its runs' segments. */
  async cleanExperiment(experimentId: string): Promise<string[]> {
    return [
      ...(await this.processes.teardownEach(`${this.name} processes`, (r) => this.teardown(r))),
      ...(await removeExperimentSegments(experimentId)),
    ];
  }
}

/** Where each worker of a run lives: a namespace on the run's bridge, the host's (127.0.0.1), or no network to speak of. */
interface WorkerNetwork {
  netns: string | null;
  address: string | null;
}

async function workerNetworks(req: ProvisionRequest): Promise<WorkerNetwork[]> {
  const none = { netns: null, address: req.network === 'host' ? '127.0.0.1' : null };
  if (req.network !== 'bridge') return Array.from({ length: req.count }, () => none);
  const out: WorkerNetwork[] = [];
  if (req.join) {
    for (let k = 0; k < req.count; k++) out.push(await joinHostEndpoint(req.runId, req.join, k));
    return out;
  }
  await createBridge(req.runId);
  for (let i = 0; i < req.count; i++) out.push(await joinNetns(req.runId, i));
  return out;
}

class NativeWorker implements WorkerHandle {
  private pid: number | null = null;
  limits: EnforcedLimits | null = null;

  constructor(
    private readonly env: NativeEnvironment,
    readonly name: string,
    readonly allocation: Allocation,
    private readonly children: Set<ChildProcess>,
    private readonly runId: string,
    private readonly cgroups: Set<string>,
    private readonly net: WorkerNetwork,
  ) {}

  address(): string | null {
    return this.net.address;
  }

  /** argv of the worker: in its namespace on the run's bridge, inside its own cgroup when limits are enforced. */
  private argv(invocation: Invocation): { cmd: string; args: string[] } {
    const inNs = this.env.command(invocation, this.allocation, this.net.address !== null);
    const plain = this.net.netns
      ? { cmd: 'ip', args: ['netns', 'exec', this.net.netns, inNs.cmd, ...inNs.args] }
      : inNs;
    if (!this.env.enforceLimits) {
      this.limits = { cpus: null, memoryBytes: null, cpuset: this.allocation.cpuset, via: 'none' };
      return plain;
    }
    const name = `${this.runId}-${this.name}`;
    this.cgroups.add(name);
    const cg = createWorkerCgroup(name, this.allocation);
    this.limits = cg.limits;
    return enterCgroupArgv(cg, [plain.cmd, ...plain.args]);
  }

  async arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    const started = await startProcess(this.name, this.argv(invocation), this.children, onLine, this.env.launcher.env);
    this.pid = started.pid;
    return started.armed;
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    if (!this.pid) return [];
    const s = new ProcessSampler(
      this.name,
      this.pid,
      this.allocation.cpus,
      intervalMs,
      'process',
      true,
      memoryIntervalMs,
    );
    // its namespace's interfaces are its own: their counters are this worker's traffic
    if (this.net.netns) s.countNetwork();
    return [s];
  }
}
