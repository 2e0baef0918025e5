import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { ensureDockerImage } from '../../image/dockerImage.js';
import type { ImageManifest } from '../../image/manifest.js';
import { type CgroupPaths, cgroupPaths } from '../../sampling/cgroup.js';
import { CgroupSampler } from '../../sampling/cgroupSampler.js';
import { DockerStatsSampler, STATS_POLL_MIN_MS } from '../../sampling/dockerSampler.js';
import type { Sampler } from '../../sampling/types.js';
import { projectBundle, type WorkloadBundle } from '../../workload/bundle.js';
import { engineSpanOctet, removeBridgeIfLeft, type SegmentPort, segmentAddress, segmentNames } from '../segment.js';
import type {
  Allocation,
  ArmedWorkload,
  EnforcedLimits,
  Environment,
  EnvironmentInfo,
  Invocation,
  ProvisionRequest,
  SegmentSpan,
  WorkerExit,
  WorkerHandle,
} from '../types.js';
import { WorkerOutput } from '../workerOutput.js';
import { DEFAULT_ENGINE_LIMITS, EngineError, EngineGate, type EngineLimits, engineCall } from './call.js';
import { removeContainers, removeLabelled, removeNetworks } from './cleanup.js';
import type { DockerConfig } from './config.js';
import { engineSegmentPort } from './network.js';
import { type ContainerNetwork, containerSpec, exitReason, LABEL_OWNER, LABEL_RUN, runNetworkSpec } from './spec.js';

type DockerSampling = DockerConfig['sampling'];

export { labelledContainers } from './cleanup.js';
export { EngineError, engineCall, LABEL_OWNER, LABEL_RUN, removeLabelled };

export function dockerClient(config: { socketPath?: string | undefined }): Docker {
  return new Docker(config.socketPath ? { socketPath: config.socketPath } : undefined);
}

/** Which backend this engine serves: plain runc containers, or another OCI runtime registered with the engine (gVisor's runsc). */
export interface DockerFlavour {
  name: string;
  /** the engine's runtime name (HostConfig.Runtime); null: the engine's default */
  runtime: string | null;
  /** the runtime for workers with a network (gVisor: runsc with --network=host); absent: `runtime` */
  networkRuntime?: string;
  /** rlimits set explicitly on every container (Podman raises them past what runc may set) */
  ulimits?: { Name: string; Soft: number; Hard: number }[];
  /** the engine runs on another host: its containers' cgroup files are not on this machine */
  remoteEngine?: boolean;
}

/** Docker Engine through dockerode: one container per worker, no network, limits always set. */
export class DockerEnvironment implements Environment {
  readonly name: string;
  /** runs whose network is this host's part of a segment spanning hosts */
  private readonly spans = new Map<string, SegmentSpan>();
  private readonly apiTimeoutS: number;
  /** the heavy calls of every worker of this engine, a bounded number at once */
  private readonly gate: EngineGate;

  constructor(
    private readonly docker: Docker,
    private readonly image: ImageManifest,
    private readonly progress: (m: string) => void = () => {},
    limits: EngineLimits = DEFAULT_ENGINE_LIMITS,
    private readonly statsMode: DockerSampling = 'both',
    private readonly flavour: DockerFlavour = { name: 'docker', runtime: null },
    private readonly workloads: WorkloadBundle = projectBundle(),
  ) {
    this.name = flavour.name;
    this.apiTimeoutS = limits.apiTimeoutS;
    this.gate = new EngineGate(() => docker.ping(), limits);
  }

  async ping(): Promise<void> {
    try {
      await engineCall(this.docker.ping(), this.apiTimeoutS, 'ping');
    } catch (err) {
      throw new EngineError(
        `Docker Engine is not answering (${(err as Error).message}); start it (scripts/setup.sh starts dockerd) or set docker.socketPath`,
      );
    }
  }

  /** The engine answers and has the worker image (imported from the same tree when missing). */
  async prepare(): Promise<void> {
    await this.ping();
    await ensureDockerImage(this.docker, this.image, this.progress);
  }

  async describe(): Promise<EnvironmentInfo> {
    const [version, info] = await engineCall(
      Promise.all([this.docker.version(), this.docker.info()]),
      this.apiTimeoutS,
      'version',
    );
    const runtime = this.flavour.runtime ? runtimeInfo(info, this.flavour.runtime, this.name) : {};
    const net = this.flavour.networkRuntime;
    // recorded when registered; a run with a network refuses clearly when it is not
    const networkRuntime = net && info.Runtimes?.[net] ? { networkRuntime: runtimeInfo(info, net, this.name) } : {};
    return {
      ...runtime,
      ...networkRuntime,
      engineVersion: version.Version,
      apiVersion: version.ApiVersion,
      storageDriver: info.Driver,
      cgroupDriver: info.CgroupDriver,
      cgroupVersion: info.CgroupVersion,
      kernel: info.KernelVersion,
      image: this.image.dockerTag,
      sampling: this.statsMode,
      cpuSource:
        "cgroup: the container's cgroup files at the sampling interval (local engine); docker-stats: the engine's stats API, a one-shot frame every max(250 ms, the interval) from a local Docker Engine, its stream from a remote one or Podman (about 1 frame/s either way: the engine's collector ticks once a second); a remote engine has docker-stats only",
    };
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    if (req.network !== 'none' && this.flavour.networkRuntime) await this.hasRuntime(this.flavour.networkRuntime);
    let network: ContainerNetwork = { mode: 'none' };
    if (req.network === 'host') network = { mode: 'host' };
    if (req.network === 'bridge') {
      const spec = runNetworkSpec(req.runId, req.span);
      await engineCall(this.docker.createNetwork(spec), this.apiTimeoutS, 'create network');
      network = { mode: 'bridge', name: spec.Name };
      if (req.span) this.spans.set(req.runId, req.span);
    }
    // spanning hosts: each worker at its run-wide address (the engines of the hosts do not know each other's)
    const octet = engineSpanOctet(req.runId);
    const at = (i: number): ContainerNetwork =>
      req.span && network.mode === 'bridge' ? { ...network, ip: segmentAddress(req.span.indices[i]!, octet) } : network;
    return Array.from(
      { length: req.count },
      (_, i) =>
        new DockerWorker(
          this.docker,
          this.image,
          req.runId,
          `${this.name}-${i}`,
          req.allocation(i),
          this.apiTimeoutS,
          this.gate,
          this.statsMode,
          this.flavour,
          this.workloads.dir,
          at(i),
        ),
    );
  }

  /** The engine has this runtime registered, or one error saying how to get it. */
  private async hasRuntime(runtime: string): Promise<void> {
    const info = await engineCall(this.docker.info(), this.apiTimeoutS, 'info');
    runtimeInfo(info, runtime, `${this.name} (workers with a network)`);
  }

  /** Why a run may have hung: the engine itself. */
  async diagnose(): Promise<string | null> {
    try {
      await engineCall(this.docker.ping(), Math.min(5, this.apiTimeoutS), 'ping');
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async teardown(runId: string): Promise<void> {
    this.spans.delete(runId);
    await this.removeWhere([`${LABEL_RUN}=${runId}`]);
    await removeNetworks(this.docker, [`${LABEL_RUN}=${runId}`], this.apiTimeoutS);
    // a bridge versus made for a host endpoint before the engine made its own (Podman)
    if (!this.flavour.remoteEngine) await removeBridgeIfLeft(segmentNames(runId).engineBridge);
  }

  /** The run's network on this machine: the bridge named for it and the subnet the engine chose (or versus, spanning hosts). */
  async segmentPort(runId: string): Promise<SegmentPort> {
    const span = this.spans.get(runId);
    if (span)
      return { bridge: segmentNames(runId).engineBridge, subnet: `10.${engineSpanOctet(runId)}.0.0/16`, mtu: span.mtu };
    if (this.flavour.remoteEngine)
      throw new Error(
        `${this.name}: the engine runs on another host; a role placed on the host cannot join its network`,
      );
    return engineSegmentPort(this.docker, runId, this.apiTimeoutS, this.name);
  }

  async cleanAll(): Promise<string[]> {
    return removeLabelled(this.docker, this.apiTimeoutS);
  }

  async cleanExperiment(experimentId: string): Promise<string[]> {
    const mine = (labels: Record<string, string> | undefined) =>
      (labels?.[LABEL_RUN] ?? '').startsWith(`${experimentId}-`);
    const owner = [`${LABEL_OWNER}=versus`];
    const containers = await removeContainers(this.docker, owner, this.apiTimeoutS, (c) => mine(c.Labels));
    return [...containers, ...(await removeNetworks(this.docker, owner, this.apiTimeoutS, (n) => mine(n.Labels)))];
  }

  private removeWhere(labels: string[]): Promise<string[]> {
    return removeContainers(this.docker, labels, this.apiTimeoutS, undefined, this.gate);
  }
}

/**
 * The engine's entry for an OCI runtime (docker info .Runtimes), recorded with its
 * arguments (gVisor's --platform); one clear error when the engine does not have it.
 */
export function runtimeInfo(info: { Runtimes?: Record<string, unknown> }, runtime: string, env: string) {
  const entry = info.Runtimes?.[runtime] as { path?: string; runtimeArgs?: string[] } | undefined;
  if (!entry) {
    throw new EngineError(
      `${env}: the Docker Engine has no runtime ${JSON.stringify(runtime)} (it has ${Object.keys(info.Runtimes ?? {}).join(', ') || 'none'}); scripts/with-docker.sh registers it when it starts dockerd, or add it to daemon.json "runtimes"`,
    );
  }
  const args = entry.runtimeArgs ?? [];
  const platform = args.find((a) => a.startsWith('--platform='))?.slice('--platform='.length) ?? 'default';
  return { runtime, runtimePath: entry.path ?? runtime, runtimeArgs: args, platform };
}

/**
 * A long-running engine call, failed once the engine stops answering pings (two in a
 * row, one every 2 s): a dead engine (or a lost host) must not leave the run waiting.
 */
export function unlessEngineDies<T>(docker: Docker, p: Promise<T>, apiTimeoutS: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  const dead = new Promise<never>((_, reject) => {
    let misses = 0;
    const check = () => {
      if (done) return;
      engineCall(docker.ping(), Math.min(5, apiTimeoutS), 'ping').then(
        () => {
          misses = 0;
          if (!done) timer = setTimeout(check, 2000);
        },
        (err: Error) => {
          if (++misses >= 2) reject(new EngineError(`the engine is gone (${err.message})`));
          else if (!done) timer = setTimeout(check, 2000);
        },
      );
    };
    timer = setTimeout(check, 2000);
  });
  dead.catch(() => {});
  return Promise.race([p, dead]).finally(() => {
    done = true;
    clearTimeout(timer);
  });
}

/** The container's cgroup directories when the engine runs on this machine, else null. */
async function localCgroup(container: Docker.Container, timeoutS: number): Promise<CgroupPaths | null> {
  try {
    const pid = (await engineCall(container.inspect(), timeoutS, 'inspect')).State.Pid;
    if (!pid) return null;
    const text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    if (!text.includes(container.id)) return null; // a pid of this machine, not of the container
    return cgroupPaths(text, (p) => fs.existsSync(p));
  } catch {
    return null; // a remote engine: its pids are not ours
  }
}

class DockerWorker implements WorkerHandle {
  private container: Docker.Container | null = null;
  private cgroup: CgroupPaths | null = null;
  private ip: string | null = null;
  private pid: number | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly image: ImageManifest,
    private readonly runId: string,
    readonly name: string,
    readonly allocation: Allocation,
    private readonly apiTimeoutS: number,
    private readonly gate: EngineGate,
    private readonly statsMode: DockerSampling,
    private readonly flavour: DockerFlavour,
    private readonly workloadsDir: string,
    private readonly network: ContainerNetwork,
  ) {}

  address(): string | null {
    return this.network.mode === 'host' ? '127.0.0.1' : this.ip;
  }

  private get runtime(): string | null {
    return this.network.mode !== 'none' && this.flavour.networkRuntime
      ? this.flavour.networkRuntime
      : this.flavour.runtime;
  }

  get limits(): EnforcedLimits {
    const a = this.allocation;
    return {
      cpus: a.cpus,
      memoryBytes: a.memoryBytes,
      cpuset: a.cpuset,
      via: `the engine (HostConfig NanoCpus, Memory${a.cpuset ? ', CpusetCpus' : ''}${this.runtime ? `; runtime ${this.runtime}` : ''})`,
    };
  }

  async arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    const t = this.apiTimeoutS;
    const container = await this.gate.call(
      () =>
        this.docker.createContainer(
          containerSpec({
            image: this.image.dockerTag,
            name: `versus-${this.runId}-${this.name}`,
            runId: this.runId,
            worker: this.name,
            allocation: this.allocation,
            invocation,
            workloadsDir: this.workloadsDir,
            runtime: this.runtime,
            ulimits: this.flavour.ulimits,
            network: this.network,
          }),
        ),
      'create container',
    );
    this.container = container;
    const io = (await this.gate.call(
      () => container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
      'attach',
    )) as unknown as NodeJS.ReadWriteStream;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(io, stdout, stderr);
    const output = new WorkerOutput(onLine);
    stderr.on('data', (d: Buffer) => output.stderr(d));
    stdout.on('data', (d: Buffer) => output.stdout(d));
    // next-exit: a plain wait on a created (not yet running) container returns at once. A
    // long poll whose headers came already: an engine that dies leaves it hanging, so the
    // engine is pinged beside it
    const waited = unlessEngineDies(this.docker, container.wait({ condition: 'next-exit' }), t);
    await this.gate.call(() => container.start(), 'start');

    let killedByHarness = false;
    const exit: Promise<WorkerExit> = waited.then(
      async (w: { StatusCode: number }) => {
        output.end();
        (io as unknown as { destroy?: () => void }).destroy?.();
        const state = await engineCall(container.inspect(), t, 'inspect')
          .then((i) => i.State)
          .catch(() => null);
        const ended = { statusCode: w.StatusCode, state, killedByHarness, memoryBytes: this.allocation.memoryBytes };
        return { code: w.StatusCode, reason: exitReason(ended), stderrTail: output.stderrTail() };
      },
      (err: Error) => {
        (io as unknown as { destroy?: () => void }).destroy?.();
        return {
          code: null,
          reason: `Docker Engine stopped answering while waiting for the container: ${err.message}`,
          stderrTail: output.stderrTail(),
        };
      },
    );
    await output.waitReady(this.name, exit);
    const net = this.network;
    if (net.mode === 'bridge') {
      const info = await engineCall(container.inspect(), t, 'inspect');
      this.ip = info.NetworkSettings.Networks[net.name]?.IPAddress || null;
      this.pid = info.State.Pid || null;
    }
    // a remote engine's pid means nothing here (or another process)
    this.cgroup = this.flavour.remoteEngine ? null : await localCgroup(container, t);
    return {
      worker: this.name,
      release: () => {
        io.write('go\n');
      },
      stop: () => {
        io.write('stop\n');
      },
      exit,
      kill: async () => {
        killedByHarness = true;
        await engineCall(container.kill(), t, 'kill').catch(() => {});
      },
    };
  }

  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    if (!this.container) return [];
    const cpus = this.allocation.cpus;
    // The cgroup files (a local engine only) at the experiment's interval, first: the figures' view.
    // The engine's stats API beside it, on the same clock.
    // its own network namespace (bridge): its interfaces' counters are its traffic
    const ownNet = this.network.mode === 'bridge';
    const cgroup =
      this.cgroup && this.statsMode !== 'stats'
        ? [new CgroupSampler(this.name, this.cgroup, cpus, intervalMs, memoryIntervalMs)]
        : [];
    if (ownNet && this.pid && cgroup[0]) cgroup[0].countNetwork(this.pid);
    // a local Docker Engine is polled for frames (a short run still has them); a remote one and
    // Podman's compat API give their stream
    const pollMs =
      this.flavour.remoteEngine || this.flavour.name === 'podman' ? null : Math.max(STATS_POLL_MIN_MS, intervalMs);
    const stats =
      this.statsMode !== 'cgroup' || cgroup.length === 0
        ? [new DockerStatsSampler(this.name, this.container, cpus, ownNet, pollMs)]
        : [];
    return [...cgroup, ...stats];
  }
}
