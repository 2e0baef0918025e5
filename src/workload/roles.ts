// Roles in the workload contract: a manifest may split a run's workers into roles (a
// server and its clients), each with its own entry; a `serve` role is started and ready
// before the barrier and stopped once the others end. Pure: schema and assignment.
import { z } from 'zod';

export const NETWORK_MODES = ['none', 'bridge', 'host'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

/** Where a role's workers run: in the measured environment, or as native processes on the host (Felter's external client, the paper's master machine). */
export const PLACES = ['environment', 'host'] as const;
export type Place = (typeof PLACES)[number];
/** Where each named role runs, over the manifest's `place` (config `placement`, flag --place). */
export type Placement = Record<string, Place>;

export const RoleSpec = z
  .object({
    /** workers of this role: a number, or "rest" (the workers the other roles leave; at least one) */
    count: z.union([z.number().int().min(1).max(64), z.literal('rest')]),
    /** the role's entry script (default: the manifest's entry, told its role by --role) */
    entry: z
      .string()
      .regex(/^[\w.-]+\.m?js$/)
      .optional(),
    /**
     * a server: started at arm (its entry prints the ready line once it accepts), released
     * with the others, stopped (`stop` on its stdin) once every other worker has ended
     */
    serve: z.boolean().default(false),
    /** the port a server listens on when it has an address of its own (bridge); host mode picks a free one */
    port: z.number().int().min(1).max(65535).optional(),
    /** its result carries the headline metric (exactly one role reports) */
    reports: z.boolean().default(false),
    /**
     * environment: its workers are the run's instances in the measured environment; host:
     * native processes on this machine, on the run's segment, not counted by --instances
     * ("rest" there means one)
     */
    place: z.enum(PLACES).default('environment'),
    /**
     * the serving roles whose endpoints its workers are given (--peers), armed once those are
     * ready (a cluster's workers need its scheduler); default: a client every serving role's,
     * a server none
     */
    peers: z.array(z.string()).optional(),
  })
  .strict();
export type RoleSpec = z.output<typeof RoleSpec>;

export const RolesSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), RoleSpec).superRefine((roles, ctx) => {
  const names = Object.keys(roles);
  if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'declare at least one role, or leave roles out' });
  if (names.filter((n) => roles[n]!.count === 'rest').length > 1)
    ctx.addIssue({ code: 'custom', message: 'at most one role with count "rest"' });
  if (names.filter((n) => roles[n]!.reports).length !== 1)
    ctx.addIssue({ code: 'custom', message: 'exactly one role reports the metrics (reports: true)' });
  for (const n of names)
    if (roles[n]!.serve && roles[n]!.reports)
      ctx.addIssue({ code: 'custom', path: [n], message: 'a serving role cannot report: the clients measure' });
  if (names.every((n) => roles[n]!.serve))
    ctx.addIssue({ code: 'custom', message: 'at least one role must not serve (it ends the run)' });
  for (const n of names)
    for (const peer of roles[n]!.peers ?? [])
      if (!roles[peer]?.serve || peer === n)
        ctx.addIssue({ code: 'custom', path: [n, 'peers'], message: `${peer} is not another serving role` });
  if (armStages(roles) === null)
    ctx.addIssue({ code: 'custom', message: 'the roles wait for each other in a circle (peers)' });
  if (names.every((n) => roles[n]!.place === 'host'))
    ctx.addIssue({ code: 'custom', message: 'at least one role must run in the environment (place: environment)' });
});
export type Roles = z.output<typeof RolesSchema>;

/** The serving roles whose endpoints a role's workers get: its `peers`, or for a client every serving role. Pure. */
export function peerRoles(roles: Record<string, Pick<RoleSpec, 'serve' | 'peers'>>, role: string): string[] {
  const spec = roles[role]!;
  if (spec.peers) return spec.peers;
  return spec.serve ? [] : Object.keys(roles).filter((n) => roles[n]!.serve);
}

/**
 * The order roles are armed in: stages of role names, each armed once the stages before are
 * ready — serving roles as soon as the roles they are peers of are, the others last. Null
 * when serving roles wait for each other in a circle. Pure.
 */
export function armStages(roles: Record<string, Pick<RoleSpec, 'serve' | 'peers'>>): string[][] | null {
  const servers = Object.keys(roles).filter((n) => roles[n]!.serve);
  const stages: string[][] = [];
  const armed = new Set<string>();
  while (armed.size < servers.length) {
    const next = servers.filter((n) => !armed.has(n) && peerRoles(roles, n).every((p) => armed.has(p)));
    if (!next.length) return null;
    stages.push(next);
    for (const n of next) armed.add(n);
  }
  const rest = Object.keys(roles).filter((n) => !roles[n]!.serve);
  return rest.length ? [...stages, rest] : stages;
}

/** The fewest workers in the environment a run of these roles needs. */
export function minWorkers(roles: Roles): number {
  return inEnvironment(roles).reduce((n, r) => n + (r.count === 'rest' ? 1 : r.count), 0);
}

function inEnvironment(roles: Roles): RoleSpec[] {
  return Object.values(roles).filter((r) => r.place !== 'host');
}

/** The roles with the placement over their own `place`; one clear error for a role they do not have. Pure. */
export function placeRoles(roles: Roles, placement: Placement, workload: string): Roles {
  const out: Roles = {};
  for (const [name, spec] of Object.entries(roles)) out[name] = { ...spec, place: placement[name] ?? spec.place };
  for (const name of Object.keys(placement))
    if (!roles[name])
      throw new Error(`placement.${name}: ${workload} has no role ${name} (roles: ${Object.keys(roles).join(', ')})`);
  if (Object.values(out).every((r) => r.place === 'host'))
    throw new Error(`placement: every role of ${workload} on the host leaves nothing to measure in the environment`);
  return out;
}

/** One worker's place: its role, its rank within the role, and whether it runs on the host. */
export interface RoleSlot {
  role: string;
  rank: number;
  serve: boolean;
  /** a native process on the host, not one of the environment's instances */
  host?: true;
}

/**
 * The role of each of `instances` workers in the environment, in declaration order
 * (servers usually first), the "rest" role taking what is left; then the workers of the
 * roles placed on the host (a fixed count, "rest" one). Null when `instances` cannot
 * hold the environment's roles. Pure.
 */
export function assignRoles(roles: Roles, instances: number): RoleSlot[] | null {
  const env = inEnvironment(roles);
  const fixed = env.reduce((n, r) => n + (r.count === 'rest' ? 0 : r.count), 0);
  const hasRest = env.some((r) => r.count === 'rest');
  const rest = instances - fixed;
  if (hasRest ? rest < 1 : rest !== 0) return null;
  const slots: RoleSlot[] = [];
  for (const onHost of [false, true])
    for (const [role, spec] of Object.entries(roles)) {
      if ((spec.place === 'host') !== onHost) continue;
      const count = spec.count === 'rest' ? (onHost ? 1 : rest) : spec.count;
      for (let rank = 0; rank < count; rank++)
        slots.push({ role, rank, serve: spec.serve, ...(onHost ? { host: true as const } : {}) });
    }
  return slots;
}

/** What a run of `instances` workers needs, in words, for an error naming the cell. */
export function rolesWanted(roles: Roles): string {
  const count = (r: RoleSpec) => (r.count === 'rest' ? (r.place === 'host' ? 1 : '1 or more') : r.count);
  const env = Object.entries(roles).filter(([, r]) => r.place !== 'host');
  const host = Object.entries(roles).filter(([, r]) => r.place === 'host');
  const words = (list: [string, RoleSpec][]) => list.map(([n, r]) => `${count(r)} ${n}`).join(' + ');
  return host.length ? `${words(env)} in the environment; ${words(host)} on the host, not counted` : words(env);
}
