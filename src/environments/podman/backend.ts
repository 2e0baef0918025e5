// Podman through its Docker-compatible API: the docker backend's containers, samplers and
// clean-up, on an engine versus starts when none answers (and stops at the end).

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Experiment } from '../../config/schema.js';
import type { ImageManifest } from '../../image/manifest.js';
import { run } from '../../util/exec.js';
import { ofLiveExperiment } from '../../util/live.js';
import { stopChild } from '../../util/process.js';
import type { WorkloadBundle } from '../../workload/bundle.js';
import { DockerEnvironment, dockerClient, LABEL_OWNER } from '../docker/backend.js';
import { dockerSection, engineLimitsOf } from '../docker/config.js';
import type { SegmentPort } from '../segment.js';
import type { Environment, EnvironmentInfo, ProvisionRequest, WorkerHandle } from '../types.js';
import type { PodmanConfig } from './config.js';

/** Flags for the service on a host without systemd as PID 1 (cgroups by hand, events to a file). */
const SERVICE_FLAGS = ['--cgroup-manager=cgroupfs', '--events-backend=file'];

async function answers(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return false;
  try {
    await dockerClient({ socketPath }).ping();
    return true;
  } catch {
    return false;
  }
}

export class PodmanEnvironment implements Environment {
  readonly name = 'podman' as const;
  private service: ChildProcess | null = null;
  private readonly inner: DockerEnvironment;

  constructor(
    private readonly config: PodmanConfig,
    image: ImageManifest,
    private readonly log: (m: string) => void,
    e: Experiment,
    workloads: WorkloadBundle,
  ) {
    this.inner = new DockerEnvironment(
      dockerClient(config),
      image,
      log,
      engineLimitsOf(e),
      dockerSection(e).sampling,
      {
        name: 'podman',
        runtime: null,
        ulimits: [
          { Name: 'nofile', Soft: config.nofile, Hard: config.nofile },
          { Name: 'nproc', Soft: config.nproc, Hard: config.nproc },
        ],
      },
      workloads,
    );
  }

  /** The API answering on the socket: the one running, or a service of ours. */
  private async ensureService(): Promise<boolean> {
    if (await answers(this.config.socketPath)) return false;
    fs.mkdirSync(path.dirname(this.config.socketPath), { recursive: true });
    const child = spawn(
      this.config.binary,
      [...SERVICE_FLAGS, 'system', 'service', '--time=0', `unix://${this.config.socketPath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const failed = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(err.message));
      child.once('exit', (code) => resolve(`exit ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
    for (let i = 0; i < 100; i++) {
      const early = await Promise.race([failed, new Promise<null>((r) => setTimeout(() => r(null), 150))]);
      if (early !== null)
        throw new Error(
          `podman: \`${this.config.binary} system service\` did not start (${early}); apt-get install podman`,
        );
      if (await answers(this.config.socketPath)) {
        this.service = child;
        this.log(`podman: started the API service on ${this.config.socketPath} (stopped at the end)`);
        return true;
      }
    }
    child.kill('SIGKILL');
    throw new Error(`podman: the API service did not answer on ${this.config.socketPath} within 15 s`);
  }

  private startedService = false;

  /** The API answering (a service of ours when none did) and the worker image loaded. */
  async prepare(): Promise<void> {
    this.startedService = await this.ensureService();
    await this.inner.prepare();
  }

  async describe(): Promise<EnvironmentInfo> {
    const info = await this.inner.describe();
    return {
      ...info,
      socket: this.config.socketPath,
      service: this.startedService ? 'started by versus for this experiment' : 'already running',
      ulimits: { nofile: this.config.nofile, nproc: this.config.nproc },
    };
  }

  provision(req: ProvisionRequest): Promise<WorkerHandle[]> {
    return this.inner.provision(req);
  }

  teardown(runId: string): Promise<void> {
    return this.inner.teardown(runId);
  }

  segmentPort(runId: string): Promise<SegmentPort> {
    return this.inner.segmentPort(runId);
  }

  diagnose(): Promise<string | null> {
    return this.inner.diagnose();
  }

  cleanExperiment(experimentId: string): Promise<string[]> {
    return this.inner.cleanExperiment(experimentId);
  }

  async close(): Promise<void> {
    const s = this.service;
    this.service = null;
    if (s)
      await stopChild(s, [
        ['SIGTERM', 10_000],
        ['SIGKILL', 0],
      ]);
  }
}

/** Names of ours of one kind in Podman's store (containers, networks), through its CLI (no service needed). */
async function podmanList(binary: string, what: string[], format: string, live: readonly string[]): Promise<string[]> {
  const filter = ['--filter', `label=${LABEL_OWNER}=versus`, '--format', format];
  const r = await run(binary, [...SERVICE_FLAGS, ...what, ...filter], { allowFail: true, timeoutMs: 30_000 }).catch(
    () => null,
  );
  const names = r && r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  return names.filter((n) => !ofLiveExperiment(n, live));
}

/** Containers of ours in Podman's store. */
export function podmanLeftovers(binary: string, live: readonly string[] = []): Promise<string[]> {
  return podmanList(binary, ['ps', '-a'], '{{.Names}}', live);
}

/** Networks of ours (a run's segment) in Podman's store. */
export function podmanNetworkLeftovers(binary: string, live: readonly string[] = []): Promise<string[]> {
  return podmanList(binary, ['network', 'ls'], '{{.Name}}', live);
}

export async function removePodmanLeftovers(binary: string, live: readonly string[] = []): Promise<string[]> {
  const names = await podmanLeftovers(binary, live);
  if (names.length) await run(binary, [...SERVICE_FLAGS, 'rm', '-f', ...names], { allowFail: true, timeoutMs: 60_000 });
  const networks = await podmanNetworkLeftovers(binary, live);
  if (networks.length)
    await run(binary, [...SERVICE_FLAGS, 'network', 'rm', '-f', ...networks], { allowFail: true, timeoutMs: 60_000 });
  return [...names.map((n) => `podman container ${n}`), ...networks.map((n) => `podman network ${n}`)];
}
