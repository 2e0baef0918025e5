// A run whose workers have roles: each worker's invocation (its role, rank, port and
// its servers' endpoints), the ports servers listen on, and which workers end the run.
import type { SegmentPort } from '../environments/segment.js';
import type { Environment, Invocation, NetworkMode, ProvisionRequest, WorkerHandle } from '../environments/types.js';
import { freePort } from '../util/ports.js';
import type { ResolvedWorkload } from '../workload/manifest.js';
import { assignRoles, type RoleSlot, rolesWanted } from '../workload/roles.js';

/** The roles of a run's workers, or null for a workload without roles (every worker alike). */
export function slotsOf(workload: ResolvedWorkload, instances: number): RoleSlot[] | null {
  const roles = workload.manifest.roles;
  if (!roles) return null;
  const slots = assignRoles(roles, instances);
  if (!slots) throw new Error(`${instances} worker(s) cannot hold the roles of ${workload.id} (${rolesWanted(roles)})`);
  return slots;
}

/** The invocation of one worker: the workload's own, plus what its role needs to know. Pure. */
export function roleInvocation(
  base: Invocation,
  workload: ResolvedWorkload,
  slot: RoleSlot,
  extra: { port?: number | undefined; peers?: readonly string[]; clients: number; network: NetworkMode },
): Invocation {
  const spec = workload.manifest.roles![slot.role]!;
  const entry = `${workload.manifest.name}/${spec.entry ?? workload.manifest.entry}`;
  const args = [...base.args, `--role=${slot.role}`, `--rank=${slot.rank}`, `--clients=${extra.clients}`];
  // in the host's namespace a server listens on loopback only: nothing reaches it from outside
  if (extra.port !== undefined)
    args.push(`--port=${extra.port}`, `--listen=${extra.network === 'host' ? '127.0.0.1' : '0.0.0.0'}`);
  if (extra.peers?.length) args.push(`--peers=${extra.peers.join(',')}`);
  return { entry, args, ...(slot.serve ? { serve: true } : {}) };
}

/** How many workers do not serve (the clients a server expects). Pure. */
export function clientCount(slots: readonly RoleSlot[]): number {
  return slots.filter((s) => !s.serve).length;
}

/**
 * The port each serving worker listens on: with an address of its own (bridge) the role's
 * port; in the host's namespace (host) a port free on 127.0.0.1 now, one per server, so
 * two runs or experiments side by side never meet.
 */
export async function serverPorts(
  workload: ResolvedWorkload,
  slots: readonly RoleSlot[],
  network: NetworkMode,
): Promise<Map<number, number>> {
  const ports = new Map<number, number>();
  for (const [i, s] of slots.entries()) {
    if (!s.serve) continue;
    const fixed = workload.manifest.roles![s.role]!.port;
    ports.set(i, network === 'bridge' && fixed !== undefined ? fixed : await freePort());
  }
  return ports;
}

/** The backend of an environment's roles placed on the host: its own (a run over remote hosts), else this machine's. */
export function hostSideOf(env: Environment, here: Environment | null | undefined): Environment | null {
  return env.rolesOnHost?.() ?? here ?? null;
}

/**
 * The workers of roles placed on the host (after the environment's `instances`, in slot
 * order): native processes of the host side, on the environment's segment (bridge) or in
 * the host's namespace (host).
 */
export async function provisionOnHost(
  workload: ResolvedWorkload,
  env: Environment,
  here: Environment | null | undefined,
  request: Omit<ProvisionRequest, 'count'>,
  instances: number,
  count: number,
): Promise<WorkerHandle[]> {
  const side = hostSideOf(env, here);
  if (!side) throw new Error(`${workload.id}: roles placed on the host, and no backend for them was opened`);
  let join: SegmentPort | undefined;
  if (request.network === 'bridge') {
    if (!env.segmentPort) throw new Error(`${env.name}: a role placed on the host cannot join its workers' network`);
    join = await env.segmentPort(request.runId);
  }
  return side.provision({
    ...request,
    count,
    allocation: (k) => request.allocation(instances + k),
    onHost: true,
    ...(join ? { join } : {}),
  });
}
