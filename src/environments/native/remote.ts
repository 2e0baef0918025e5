import type { RemoteHost } from '../../hosts/remote.js';
import type { ImageManifest } from '../../image/manifest.js';
import { RemoteProcessSampler } from '../../sampling/remoteProcessSampler.js';
import type { Sampler } from '../../sampling/types.js';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import type { WorkloadBundle } from '../../workload/bundle.js';
import { hostEndpointAddress, ownSegmentPort, type SegmentPort, segmentAddress, segmentNames } from '../segment.js';
import { armOverSsh } from '../sshWorker.js';
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
import type { NativeConfig } from './config.js';
import {
  CGROUP_VERSION_SCRIPT,
  chrootWorker,
  cleanScript,
  remoteWorkerCommand,
  teardownScript,
} from './remoteScripts.js';
import {
  endpointsDownScript,
  endpointUpScript,
  segmentCleanScript,
  segmentDownScript,
  segmentUpScript,
} from './remoteSegment.js';

/** node and the barrier, as a worker in the image's tree starts */
const GUEST_LAUNCH = ['/usr/bin/node', `${GUEST_WORKLOADS_DIR}/barrier.mjs`];

/** Where a remote native worker lives on its run's segment (network bridge); null: the host's namespace. */
interface RemoteNet {
  netns: string;
  address: string;
}

export class RemoteNativeEnvironment implements Environment {
  readonly name = 'native' as const;
  private cgroupVersion: 1 | 2 | null = null;
  /** what runs barrier.mjs on the host: argv before the entry */
  private launcher: string[] = [];
  /** runtime image: the tree the workers chroot into */
  private rootfs: string | null = null;
  /** this experiment's workloads on the host, bind-mounted over the image tree's in each worker */
  private workloadsDir: string | null = null;
  private node = '';
  private readonly runs = new Set<string>();
  /** the namespaces each run made on the host: its segment's workers, or host endpoints on another's segment */
  private readonly netns = new Map<string, { names: string[]; endpoints: boolean }>();

  constructor(
    private readonly config: NativeConfig,
    private readonly image: ImageManifest | null,
    readonly host: RemoteHost,
    private readonly workloads: WorkloadBundle,
    private readonly log: (m: string) => void,
  ) {}

  private get stateDir(): string {
    return `${this.host.cacheDir}/native`;
  }

  async prepare(): Promise<void> {
    if (this.config.limits === 'cgroup') {
      const v = (await this.host.run(CGROUP_VERSION_SCRIPT)).trim();
      if (v !== '1' && v !== '2')
        throw new Error('native: no cgroup hierarchy on the host to enforce the allocation; set native.limits: none');
      this.cgroupVersion = Number(v) as 1 | 2;
    }
    if (this.config.runtime === 'image') {
      if (!this.image) throw new Error('native: runtime "image" needs the worker image');
      const rootfs = `${this.host.cacheDir}/images/${this.image.hash.slice(0, 16)}/rootfs`;
      await this.host.deliverTree(this.image.rootfs, rootfs, this.log);
      // the tree is shared by every experiment on the host: the current workloads go beside
      // it, bind-mounted over its copy in each worker's own mount namespace
      this.workloadsDir = await this.host.deliverWorkloads(this.workloads);
      this.launcher = [...chrootWorker(rootfs, this.workloadsDir, false), ...GUEST_LAUNCH];
      this.rootfs = rootfs;
      this.node = this.image.nodeVersion;
    } else {
      const dir = await this.host.deliverWorkloads(this.workloads);
      this.node = (await this.host.run('node --version')).trim();
      this.launcher = ['node', `${dir}/barrier.mjs`];
    }
  }

  async describe(): Promise<EnvironmentInfo> {
    return {
      runtime: this.config.runtime === 'image' ? 'image (chroot)' : 'host',
      node: this.node,
      limits: this.cgroupVersion
        ? `a cgroup (v${this.cgroupVersion}) per worker: CPU quota and memory limit of the allocation, as a container`
        : 'none: unconstrained (threads = allocation; taskset when pinned)',
    };
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    if (!this.launcher.length) await this.prepare();
    this.runs.add(req.runId);
    const nets = await this.networks(req);
    const name = req.onHost ? 'host' : 'native';
    return Array.from(
      { length: req.count },
      (_, i) => new RemoteNativeWorker(this, `${name}-${i}`, req.allocation(i), req.runId, nets[i] ?? null),
    );
  }

  /** network bridge: this host's part of the run's segment, or host endpoints on it for roles placed on the host. */
  private async networks(req: ProvisionRequest): Promise<RemoteNet[]> {
    if (req.network === 'host')
      throw new Error(
        'native on a remote host: network host is refused (a worker on another host cannot reach its 127.0.0.1)',
      );
    if (req.network !== 'bridge') return [];
    const n = segmentNames(req.runId);
    if (req.onHost) {
      const port = req.join ?? ownSegmentPort(req.runId);
      const len = port.subnet.split('/')[1];
      const nets = Array.from({ length: req.count }, (_, k) => ({
        netns: n.endpointNetns(k),
        address: hostEndpointAddress(port.subnet, k),
      }));
      this.netns.set(req.runId, { names: nets.map((x) => x.netns), endpoints: true });
      for (const [k, x] of nets.entries())
        await this.host.run(endpointUpScript(req.runId, k, port.bridge, `${x.address}/${len}`, port.mtu ?? 1500));
      return nets;
    }
    const span = req.span ?? {
      indices: Array.from({ length: req.count }, (_, i) => i),
      hostIndex: 0,
      vxlan: null,
      mtu: 1500,
    };
    this.netns.set(req.runId, { names: span.indices.map((g) => n.netns(g)), endpoints: false });
    await this.host.run(segmentUpScript(req.runId, span));
    return span.indices.map((g) => ({ netns: n.netns(g), address: segmentAddress(g) }));
  }

  async segmentPort(runId: string): Promise<SegmentPort> {
    return ownSegmentPort(runId);
  }

  /** The pid file and cgroup of one worker (names carry the host, so test hosts sharing a kernel never meet). */
  workerPlace(runId: string, worker: string) {
    return {
      pidFile: `${this.stateDir}/${runId}/${worker}.pid`,
      cgroup: this.cgroupVersion ? { version: this.cgroupVersion, name: `${this.host.name}-${runId}-${worker}` } : null,
    };
  }

  command(
    invocation: Invocation,
    allocation: Allocation,
    place: ReturnType<RemoteNativeEnvironment['workerPlace']>,
    netns: string | null,
  ) {
    return remoteWorkerCommand({
      ...place,
      allocation,
      argv: [...this.launcherIn(netns), ...barrierArgs(invocation)],
      netns,
    });
  }

  /** On a network the chroot gets a proc of its own: a server's readiness is read from its namespace's /proc/net. */
  private launcherIn(netns: string | null): string[] {
    if (!netns || !this.rootfs || !this.workloadsDir) return this.launcher;
    return [...chrootWorker(this.rootfs, this.workloadsDir, true), ...GUEST_LAUNCH];
  }

  async teardown(runId: string): Promise<void> {
    await this.host.run(teardownScript(`${this.stateDir}/${runId}`, `${this.host.name}-${runId}-`));
    const made = this.netns.get(runId);
    // host endpoints go alone: the segment is the environment's, torn down after them
    if (made)
      await this.host.run(
        made.endpoints ? endpointsDownScript(runId, made.names) : segmentDownScript(runId, made.names),
      );
    this.netns.delete(runId);
    this.runs.delete(runId);
  }

  /**
   * The end of an experiment: what is left of its own runs on the host (a run whose teardown
   * failed, a worker that outlived it) and their segments — never another experiment's.
   */
  async cleanExperiment(experimentId: string): Promise<string[]> {
    for (const runId of [...this.runs.keys()]) await this.teardown(runId).catch(() => {});
    const out = await this.host.run(
      `${cleanScript(this.stateDir, this.host.name, [], experimentId)}\n${segmentCleanScript([], experimentId)}`,
    );
    return [...new Set(out.split('\n').filter(Boolean))];
  }
}

/** What `versus clean --hosts` removes on a host: every run's workers and segments but those of the experiments in `live`. */
export async function cleanRemoteNative(host: RemoteHost, live: readonly string[] = []): Promise<string[]> {
  const out = await host.run(`${cleanScript(`${host.cacheDir}/native`, host.name, live)}\n${segmentCleanScript(live)}`);
  return [...new Set(out.split('\n').filter(Boolean))];
}

class RemoteNativeWorker implements WorkerHandle {
  limits: EnforcedLimits;
  private readonly place: ReturnType<RemoteNativeEnvironment['workerPlace']>;

  constructor(
    private readonly env: RemoteNativeEnvironment,
    readonly name: string,
    readonly allocation: Allocation,
    runId: string,
    private readonly net: RemoteNet | null,
  ) {
    this.place = env.workerPlace(runId, name);
    const v = this.place.cgroup?.version;
    this.limits = v
      ? {
          cpus: allocation.cpus,
          memoryBytes: allocation.memoryBytes,
          cpuset: allocation.cpuset,
          via: v === 2 ? 'cgroup v2 cpu.max, memory.max' : 'cgroup v1 cpu.cfs_quota_us, memory.limit_in_bytes',
        }
      : { cpus: null, memoryBytes: null, cpuset: allocation.cpuset, via: 'none' };
  }

  /** the host it runs on (a role placed on the host of a run over the hosts: its first host) */
  get host(): string {
    return this.env.host.name;
  }

  address(): string | null {
    return this.net?.address ?? null;
  }

  async arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    const host = this.env.host;
    const ssh = await host.connect(); // a connection of its own: sshd caps sessions per connection
    const armed = await armOverSsh(
      this.name,
      ssh,
      this.env.command(invocation, this.allocation, this.place, this.net?.netns ?? null),
      onLine,
      {
        ended: () => null,
        settle: async () => {},
      },
    ).catch((err: Error) => {
      ssh.close();
      throw err;
    });
    void armed.exit.finally(() => ssh.close());
    return armed; // kill: the SSH channel's KILL signal; the run's teardown kills what is left
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    const host = this.env.host;
    return [
      new RemoteProcessSampler(
        this.name,
        () => host.connect(),
        this.place.pidFile,
        this.allocation.cpus,
        intervalMs,
        true,
        memoryIntervalMs,
        this.net !== null,
      ),
    ];
  }
}
