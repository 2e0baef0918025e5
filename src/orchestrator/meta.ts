// What experiment.json says of an experiment: the tool, the config, the workloads'
// declarations, the host, the remote hosts, the image, each backend's facts and view,
// and the formula of every sampler that produced samples.
import fs from 'node:fs';
import os from 'node:os';
import si from 'systeminformation';
import type { Experiment } from '../config/schema.js';
import type { RemoteHost } from '../hosts/remote.js';
import type { ImageManifest } from '../image/manifest.js';
import type { EnvironmentView } from '../results/views.js';
import type { ResolvedWorkload } from '../workload/manifest.js';
import { workloadMeta } from '../workload/resolve.js';

export async function hostInventory(): Promise<Record<string, unknown>> {
  const [cpu, osInfo, mem] = await Promise.all([si.cpu(), si.osInfo(), si.mem()]);
  return {
    hostname: os.hostname(),
    cpu: {
      brand: `${cpu.manufacturer} ${cpu.brand}`,
      cores: cpu.cores,
      physicalCores: cpu.physicalCores,
      speedGHz: cpu.speed,
    },
    os: { distro: osInfo.distro, release: osInfo.release, kernel: osInfo.kernel, arch: osInfo.arch },
    memoryBytes: mem.total,
    node: process.version,
  };
}

export interface MetaParts {
  experiment: Experiment;
  workloads: readonly ResolvedWorkload[];
  hosts: readonly RemoteHost[];
  image: ImageManifest | null;
  environments: Record<string, unknown>;
  views: Record<string, EnvironmentView>;
  experimentId: string;
  startedAt: Date;
}

export async function experimentMeta(p: MetaParts): Promise<Record<string, unknown>> {
  const { image, hosts } = p;
  return {
    tool: {
      name: 'versus',
      version: JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version,
    },
    experiment: p.experiment,
    suite: p.experiment.suite,
    // what every workload computed and reports: reports and compare take metric names and units from here
    workloads: p.workloads.map(workloadMeta),
    host: await hostInventory(),
    // remote hosts: address, CPUs, kernel, clock offset against this machine (samples keep this machine's clock)
    ...(hosts.length ? { hosts: Object.fromEntries(hosts.map((h) => [h.name, h.facts()])) } : {}),
    image: image
      ? {
          hash: image.hash,
          dockerTag: image.dockerTag,
          node: image.nodeVersion,
          kernel: image.kernelVersion,
          buildSeconds: image.buildSeconds,
          createdAt: image.createdAt,
        }
      : null,
    environments: p.environments,
    // how results show each backend: reports and compare read these, not a list of their own
    views: p.views,
    experimentId: p.experimentId,
    startedAt: p.startedAt.toISOString(),
  };
}
