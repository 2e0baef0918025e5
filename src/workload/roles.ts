// Roles in the workload contract: a manifest may split a run's workers into roles (a
// server and its clients), each with its own entry; a `serve` role is started and ready
// before the barrier and stopped once the others end. Pure: schema and assignment.
import { z } from 'zod';

export const NETWORK_MODES = ['none', 'bridge', 'host'] as const;
export type NetworkMode = (typeof NETWORK_MODES)[number];

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
});
export type Roles = z.output<typeof RolesSchema>;

/** The fewest workers a run of these roles needs. */
export function minWorkers(roles: Roles): number {
  return Object.values(roles).reduce((n, r) => n + (r.count === 'rest' ? 1 : r.count), 0);
}

/** One worker's place: its role and its rank within the role. */
export interface RoleSlot {
  role: string;
  rank: number;
  serve: boolean;
}

/**
 * The role of each of `instances` workers, in declaration order (servers usually first),
 * the "rest" role taking what is left; null when `instances` cannot hold the roles. Pure.
 */
export function assignRoles(roles: Roles, instances: number): RoleSlot[] | null {
  const fixed = Object.values(roles).reduce((n, r) => n + (r.count === 'rest' ? 0 : r.count), 0);
  const hasRest = Object.values(roles).some((r) => r.count === 'rest');
  const rest = instances - fixed;
  if (hasRest ? rest < 1 : rest !== 0) return null;
  const slots: RoleSlot[] = [];
  for (const [role, spec] of Object.entries(roles)) {
    const count = spec.count === 'rest' ? rest : spec.count;
    for (let rank = 0; rank < count; rank++) slots.push({ role, rank, serve: spec.serve });
  }
  return slots;
}

/** What a run of `instances` workers needs, in words, for an error naming the cell. */
export function rolesWanted(roles: Roles): string {
  return Object.entries(roles)
    .map(([n, r]) => `${r.count === 'rest' ? '1 or more' : r.count} ${n}`)
    .join(' + ');
}
