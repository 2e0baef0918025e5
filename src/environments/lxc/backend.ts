// LXC system containers: lxc-execute on an overlay of the worker image's tree, with
// lxc-init as PID 1 and the workload under it; the allocation in LXC's own cgroup (the
// worker's view), a veth of LXC's on the run's bridge. Started by the process host.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ImageManifest } from '../../image/manifest.js';
import { cgroupPaths } from '../../sampling/cgroup.js';
import { CgroupSampler } from '../../sampling/cgroupSampler.js';
import { ProcessSampler } from '../../sampling/processSampler.js';
import type { Sampler } from '../../sampling/types.js';
import { run, versionOf, which } from '../../util/exec.js';
import { ofLiveExperiment } from '../../util/live.js';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import type { WorkloadBundle } from '../../workload/bundle.js';
import { cgroupVersion, RunProcesses, startProcess } from '../processHost.js';
import {
  createBridge,
  ownSegmentPort,
  removeExperimentSegments,
  removeSegment,
  type SegmentPort,
  segmentAddress,
  segmentNames,
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
import type { LxcConfig } from './config.js';
import { type ContainerSpec, containerCgroup, containerConfig } from './containerConfig.js';

const ROOT = '/sys/fs/cgroup';

export class LxcEnvironment implements Environment {
  readonly name = 'lxc';
  private readonly processes = new RunProcesses();
  private version: 1 | 2 = 1;

  constructor(
    private readonly config: LxcConfig,
    private readonly image: ImageManifest,
    private readonly workloads: WorkloadBundle,
  ) {}

  async prepare(): Promise<void> {
    if (!(await which('lxc-execute'))) throw new Error('lxc: lxc-execute missing: apt-get install lxc');
    const v = cgroupVersion();
    if (v === null) throw new Error(`lxc: no cgroup hierarchy under ${ROOT} to hold the allocation`);
    this.version = v;
    fs.mkdirSync(this.config.lxcpath, { recursive: true });
  }

  async describe(): Promise<EnvironmentInfo> {
    return {
      runtime: `lxc-execute (LXC ${(await versionOf('lxc-execute', ['--version'])) ?? '?'}): lxc-init as PID 1`,
      node: this.image.nodeVersion,
      rootfs: `overlay on ${this.image.rootfs} (an upper layer per container)`,
      limits: `LXC's cgroup (v${this.version}) per container: CPU quota and memory limit of the allocation`,
      lxcpath: this.config.lxcpath,
    };
  }

  runDir(runId: string): string {
    return path.join(this.config.lxcpath, runId);
  }

  async provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    const children = this.processes.of(req.runId);
    fs.mkdirSync(this.runDir(req.runId), { recursive: true });
    const bridge = req.network === 'bridge' ? await createBridge(req.runId) : null;
    const prefix = ownSegmentPort(req.runId).subnet.split('/')[1];
    return Array.from({ length: req.count }, (_, i) => {
      const name = `${req.runId}-lxc-${i}`;
      const dir = path.join(this.runDir(req.runId), name);
      const network: ContainerSpec['network'] = bridge
        ? { mode: 'bridge', bridge, veth: segmentNames(req.runId).vethHost(i), cidr: `${segmentAddress(i)}/${prefix}` }
        : { mode: req.network === 'host' ? 'host' : 'none' };
      const spec: ContainerSpec = {
        name,
        hostname: `lxc-${i}`,
        rootfs: this.image.rootfs,
        upperDir: path.join(dir, 'upper'),
        workloadsDir: this.workloads.dir,
        allocation: req.allocation(i),
        cgroupVersion: this.version,
        network,
      };
      return new LxcWorker(`lxc-${i}`, spec, this.runDir(req.runId), children);
    });
  }

  async segmentPort(runId: string): Promise<SegmentPort> {
    return ownSegmentPort(runId);
  }

  async teardown(runId: string): Promise<void> {
    await this.processes.kill(runId);
    await removeRun(this.config.lxcpath, runId);
    await removeSegment(runId);
  }

  /** Its own runs' folders and segments, never another experiment's. */
  async cleanExperiment(experimentId: string): Promise<string[]> {
    const names = await this.processes.teardownEach('lxc containers', (r) => this.teardown(r));
    for (const runId of runsIn(this.config.lxcpath).filter((r) => r.startsWith(`${experimentId}-`)))
      names.push(...(await removeRun(this.config.lxcpath, runId)));
    return [...names, ...(await removeExperimentSegments(experimentId))];
  }
}

class LxcWorker implements WorkerHandle {
  limits: EnforcedLimits | null = null;
  private pid: number | null = null;

  constructor(
    readonly name: string,
    private readonly spec: ContainerSpec,
    private readonly lxcpath: string,
    private readonly children: Set<ChildProcess>,
  ) {}

  get allocation(): Allocation {
    return this.spec.allocation;
  }

  address(): string | null {
    if (this.spec.network.mode === 'bridge') return this.spec.network.cidr.split('/')[0]!;
    return this.spec.network.mode === 'host' ? '127.0.0.1' : null;
  }

  async arm(invocation: Invocation, onLine: (line: string) => void): Promise<ArmedWorkload> {
    fs.mkdirSync(this.spec.upperDir, { recursive: true });
    const configFile = path.join(path.dirname(this.spec.upperDir), 'config');
    fs.writeFileSync(configFile, containerConfig(this.spec));
    const a = this.spec.allocation;
    const via = `LXC cgroup v${this.spec.cgroupVersion} (lxc.cgroup${this.spec.cgroupVersion === 2 ? '2' : ''}.*)`;
    this.limits = { cpus: a.cpus, memoryBytes: a.memoryBytes, cpuset: a.cpuset, via };
    const node = ['/usr/bin/node', `${GUEST_WORKLOADS_DIR}/barrier.mjs`, ...barrierArgs(invocation)];
    const argv = ['-P', this.lxcpath, '-n', this.spec.name, '-f', configFile, '--', ...node];
    const started = await startProcess(this.name, { cmd: 'lxc-execute', args: argv }, this.children, onLine);
    this.pid = started.pid;
    return started.armed;
  }

  /** The container's cgroup (its own view, as an engine's); beside it, its processes seen from the host. */
  samplers(intervalMs: number, memoryIntervalMs?: number): Sampler[] {
    const cpus = this.spec.allocation.cpus;
    const out: Sampler[] = [];
    const init = this.initPid();
    // its cgroup as the host sees it, read from its first process as docker's is
    const paths = init === null ? null : cgroupPaths(readOrEmpty(`/proc/${init}/cgroup`), (p) => fs.existsSync(p));
    if (paths) {
      const cgroup = new CgroupSampler(this.name, paths, cpus, intervalMs, memoryIntervalMs);
      // a namespace of its own (none, bridge): its interfaces' counters are this worker's traffic
      if (this.spec.network.mode !== 'host') cgroup.countNetwork(init!);
      out.push(cgroup);
    }
    if (this.pid)
      out.push(new ProcessSampler(this.name, this.pid, cpus, intervalMs, 'process', true, memoryIntervalMs));
    return out;
  }

  /** The container's first process (lxc-init), from the cgroup LXC made for it. */
  private initPid(): number | null {
    const dir = containerCgroup(this.spec.name);
    const procs = this.spec.cgroupVersion === 2 ? `${ROOT}/${dir}` : `${ROOT}/memory/${dir}`;
    const first = readOrEmpty(path.join(procs, 'cgroup.procs')).split('\n')[0];
    return first ? Number(first) : null;
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The run folders under lxcpath (one per run id). */
export function runsIn(lxcpath: string): string[] {
  try {
    return fs.readdirSync(lxcpath).filter((f) => fs.statSync(path.join(lxcpath, f)).isDirectory());
  } catch {
    return [];
  }
}

/** Stops what is still running of a run's containers (lxc-stop -k), then removes its folder; what was there. */
export async function removeRun(lxcpath: string, runId: string): Promise<string[]> {
  const dir = path.join(lxcpath, runId);
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!fs.existsSync(path.join(ROOT, cgroupVersion() === 2 ? '' : 'memory', containerCgroup(name)))) continue;
    await run('lxc-stop', ['-P', dir, '-n', name, '-k'], { allowFail: true, timeoutMs: 30_000 });
    removed.push(`lxc container ${name}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  removed.push(`lxc run folder ${dir}`);
  return removed;
}

/** Run folders of experiments not running now (a killed harness's). */
export function lxcLeftovers(lxcpath: string, live: readonly string[]): string[] {
  return runsIn(lxcpath).filter((r) => !ofLiveExperiment(r, live));
}
