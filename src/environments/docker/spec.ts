import type Docker from 'dockerode';
import { GUEST_WORKLOADS_DIR } from '../../util/paths.js';
import type { Allocation, Invocation } from '../types.js';

/** The labels every container of versus carries: who made it, and for which run. */
export const LABEL_OWNER = 'versus.owner';
export const LABEL_RUN = 'versus.run';

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
}): Docker.ContainerCreateOptions {
  const { allocation } = opts;
  return {
    Image: opts.image,
    name: opts.name,
    Labels: { [LABEL_OWNER]: 'versus', [LABEL_RUN]: opts.runId, 'versus.worker': opts.worker },
    Cmd: ['/usr/bin/node', `${GUEST_WORKLOADS_DIR}/barrier.mjs`, opts.invocation.entry, ...opts.invocation.args],
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'],
    WorkingDir: '/tmp',
    NetworkDisabled: true,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      NetworkMode: 'none',
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
