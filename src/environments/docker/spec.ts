import type Docker from 'dockerode';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import { engineSpanOctet, segmentNames } from '../segment.js';
import { type Allocation, barrierArgs, type Invocation, type SegmentSpan } from '../types.js';

/** The labels every container of versus carries: who made it, and for which run. */
export const LABEL_OWNER = 'versus.owner';
export const LABEL_RUN = 'versus.run';

/** Where a container's network is: none; the run's own internal network (by name, with the worker's address when the harness picks it); or the host's namespace. */
export type ContainerNetwork = { mode: 'none' } | { mode: 'bridge'; name: string; ip?: string } | { mode: 'host' };

/** The container spec: pure, so the security properties are unit-tested. */
export function containerSpec(opts: {
  image: string;
  name: string;
  runId: string;
  worker: string;
  allocation: Allocation;
  invocation: Invocation;
  workloadsDir: string;
  /** an OCI runtime registered with the engine (runsc); absent: the engine's default */
  runtime?: string | null;
  ulimits?: { Name: string; Soft: number; Hard: number }[] | undefined;
  network?: ContainerNetwork;
}): Docker.ContainerCreateOptions {
  const { allocation } = opts;
  const net = opts.network ?? { mode: 'none' };
  const networkMode = net.mode === 'bridge' ? net.name : net.mode;
  return {
    Image: opts.image,
    name: opts.name,
    Labels: { [LABEL_OWNER]: 'versus', [LABEL_RUN]: opts.runId, 'versus.worker': opts.worker },
    Cmd: ['/usr/bin/node', `${GUEST_WORKLOADS_DIR}/barrier.mjs`, ...barrierArgs(opts.invocation)],
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'],
    WorkingDir: '/tmp',
    NetworkDisabled: net.mode === 'none',
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    ...(net.mode === 'bridge' && net.ip
      ? { NetworkingConfig: { EndpointsConfig: { [net.name]: { IPAMConfig: { IPv4Address: net.ip } } } } }
      : {}),
    HostConfig: {
      NetworkMode: networkMode,
      Privileged: false,
      NanoCpus: Math.round(allocation.cpus * 1e9),
      Memory: allocation.memoryBytes,
      MemorySwap: allocation.memoryBytes,
      ...(allocation.cpuset ? { CpusetCpus: allocation.cpuset.join(',') } : {}),
      Binds: [`${opts.workloadsDir}:${GUEST_WORKLOADS_DIR}:ro`],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 512,
      AutoRemove: false,
      ...(opts.runtime ? { Runtime: opts.runtime } : {}),
      ...(opts.ulimits?.length ? { Ulimits: opts.ulimits } : {}),
    },
  };
}

/** What the engine said of a container that ended, and whether versus stopped it itself. */
export interface EndedContainer {
  statusCode: number;
  /** null: the container could no longer be inspected (removed while it ran) */
  state: { OOMKilled?: boolean } | null;
  killedByHarness: boolean;
  memoryBytes: number;
}

/** Why a worker's container ended abnormally, as specific as the engine lets us tell; null when it did not. Pure. */
export function exitReason(c: EndedContainer): string | null {
  const outside = '(docker kill or rm, the engine, or a versus clean run elsewhere)';
  if (c.state === null && !c.killedByHarness)
    return `the container was removed from outside versus while it ran ${outside}; exit code ${c.statusCode}`;
  if (c.state?.OOMKilled) return `OOMKilled (memory limit ${c.memoryBytes} bytes)`;
  if (!c.killedByHarness && (c.statusCode === 137 || c.statusCode === 143))
    return `killed by ${c.statusCode === 137 ? 'SIGKILL' : 'SIGTERM'} from outside versus ${outside}; exit code ${c.statusCode}`;
  return c.statusCode !== 0 ? `exit code ${c.statusCode}` : null;
}

/**
 * The run's own network: internal (no gateway out, no NAT, no default route), labelled as the
 * run's. Spanning hosts (`span`): a fixed subnet for the run, the bridge's own address a
 * different one per host, and the overlay's MTU. Pure.
 */
export function runNetworkSpec(runId: string, span?: SegmentSpan): Docker.NetworkCreateOptions {
  // a bridge named by versus, so that a host endpoint (a role placed on the host) or the overlay finds it
  const options: Record<string, string> = { 'com.docker.network.bridge.name': segmentNames(runId).engineBridge };
  if (span) options['com.docker.network.driver.mtu'] = String(span.mtu);
  const octet = engineSpanOctet(runId);
  return {
    Name: `versus-${runId}`,
    Driver: 'bridge',
    Internal: true,
    CheckDuplicate: true,
    Options: options,
    ...(span
      ? {
          IPAM: {
            Driver: 'default',
            Config: [{ Subnet: `10.${octet}.0.0/16`, Gateway: `10.${octet}.254.${span.hostIndex + 1}` }],
          },
        }
      : {}),
    Labels: { [LABEL_OWNER]: 'versus', [LABEL_RUN]: runId },
  };
}
