// The one boundary every backend plugs into: a folder under src/environments/ whose
// index.ts exports one EnvironmentDescriptor, listed once in registry.ts.
import type { z } from 'zod';
import type { Experiment } from '../config/schema.js';
import type { RemoteHost } from '../hosts/remote.js';
import type { ImageManifest } from '../image/manifest.js';
import type { EnvironmentKind, EnvironmentView } from '../results/views.js';
import type { WorkloadBundle } from '../workload/bundle.js';
import type { Environment, NetworkMode } from './types.js';

export type { EnvironmentKind, EnvironmentView };

/** The commands a backend can add options to. */
export type FlagCommand = 'run' | 'doctor' | 'clean';

export interface CreateContext {
  experiment: Experiment;
  image: ImageManifest | null;
  /** the workloads folder every worker must see (bind mount, SSH copy, chroot) */
  workloads: WorkloadBundle;
  log: (message: string) => void;
}

/** `versus clean` and the leftover warning: no experiment, the defaults of every section. */
export interface CleanContext {
  experiment: Experiment;
  image: ImageManifest | null;
  log: (message: string) => void;
  /** experiments running now (util/live.ts): their runs are not leftovers, whatever they hold */
  live?: readonly string[];
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** works, but not as well as it could (VMs under TCG): printed as warn */
  warn?: boolean;
}

/** What one worker costs this host beyond its workload: checked against the host's limits before a run (compose/hostLimits.ts). */
export interface HostCost {
  /** threads on the host per worker (engine shims, QEMU's threads, node's own) */
  threads: number;
  /** MiB per worker beyond the workload's; 'guest': the worker's whole allocation (a VM's RAM) */
  mib: number | 'guest';
  /** each worker takes a loopback port (a VM's SSH forward) */
  loopbackPort?: boolean;
}

export interface EnvironmentDescriptor<Config extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  /** one line for `versus run --help` and the docs */
  description: string;
  view: EnvironmentView;
  /** part of the default experiment (`versus run` with no --env) */
  inDefault: boolean;
  /** the networks its workers can have (docs/network.md); a workload asking another is refused before anything starts */
  networks: readonly NetworkMode[];
  /** why a network outside `networks` cannot be had, for the refusal (a VM: no host network) */
  networkNotes?: Partial<Record<NetworkMode, string>>;
  /** the runtime refuses a worker with more CPUs than the host has (an engine's --cpus); absent: it runs overcommitted */
  refusesCpuOvercommit?: boolean;
  hostCost: HostCost;
  /** runs the workers of roles placed on the host (native processes on this machine, on any run's segment) */
  hostSide?: boolean;
  /** over the hosts section, its network bridge spans the hosts (a VXLAN overlay between their bridges, docs/hosts.md) */
  bridgeSpansHosts?: boolean;
  /** the backend's own config section (experiment[name]), with defaults */
  config: Config;
  /**
   * Options that set a field of this backend's section, e.g. --vagrant-provider → vagrant.provider,
   * on the commands listed (default: `versus run`)
   */
  flags?: readonly { option: string; description: string; field: string; commands?: readonly FlagCommand[] }[];
  /** whether this experiment's use of the backend needs the worker image built */
  needsImage(experiment: Experiment): boolean;
  /** the backend for one experiment; describe() reports, prepare() is the backend's own business */
  create(ctx: CreateContext): Promise<Environment>;
  /**
   * The backend on a remote host, driving that host's own engine over its SSH
   * connection (the `hosts` section); absent: this backend runs on this machine only.
   */
  createOnHost?(ctx: CreateContext, host: RemoteHost): Promise<Environment>;
  /** this backend's part of a host entry (`hosts[].<name>`, e.g. its engine's socket there), with defaults */
  hostConfig?: z.ZodTypeAny;
  /** what `versus doctor --hosts` checks for this backend on a remote host */
  doctorOnHost?(ctx: CleanContext, host: RemoteHost): Promise<DoctorCheck[]>;
  /** removes every leftover on a remote host (`versus clean --hosts`) */
  cleanOnHost?(ctx: CleanContext, host: RemoteHost): Promise<string[]>;
  /** what a killed harness left behind (read-only: for the warning before a run) */
  leftovers(ctx: CleanContext): Promise<string[]>;
  /** removes every leftover, returns what it removed */
  clean(ctx: CleanContext): Promise<string[]>;
  /** `versus image build` option that packs the image for this backend (e.g. --vagrant-box); returns lines to print */
  imageBuildFlag?: { option: string; description: string; build(image: ImageManifest): Promise<string[]> };
  /** what of this backend goes with a removed image (`versus image rm`); returns lines to print */
  removeWithImage?(image: ImageManifest): Promise<string[]>;
  /** what `versus doctor` checks for this backend */
  doctor?(ctx: CleanContext & { reprobe: boolean }): Promise<DoctorCheck[]>;
}
