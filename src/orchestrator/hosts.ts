// The experiment's remote hosts: opened once (connection, facts, clock offset), and
// each backend that hosts offer created on every one of them behind one
// MultiHostEnvironment. Backends no host offers run on this machine as before.
import type { Experiment } from '../config/schema.js';
import type { CreateContext, EnvironmentDescriptor } from '../environments/descriptor.js';
import { MultiHostEnvironment } from '../environments/multiHost.js';
import type { Environment } from '../environments/types.js';
import { openHost, type RemoteHost } from '../hosts/remote.js';

export async function openHosts(e: Experiment, log: (m: string) => void): Promise<RemoteHost[]> {
  const opened = await Promise.allSettled(e.hosts.map((h) => openHost(h)));
  const hosts = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = opened.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    for (const h of hosts) h.close();
    throw failed.reason;
  }
  for (const h of hosts)
    log(
      `host ${h.name}: ${h.cpus} CPUs, kernel ${h.kernel}, clock ${h.clock.offsetMs >= 0 ? '+' : ''}${h.clock.offsetMs.toFixed(1)} ms (±${(h.clock.rttMs / 2).toFixed(1)})`,
    );
  return hosts;
}

/** The backend where the config puts it: on the hosts that offer it, else on this machine. */
export async function createEnvironment(
  d: EnvironmentDescriptor,
  ctx: CreateContext,
  hosts: readonly RemoteHost[],
): Promise<Environment> {
  const mine = hosts.filter((h) => h.config.environments.includes(d.name));
  if (mine.length === 0 || !d.createOnHost) return d.create(ctx);
  const parts = [];
  for (const host of mine) parts.push({ host, env: await d.createOnHost(ctx, host) });
  return new MultiHostEnvironment(d.name as Experiment['environments'][number], parts);
}

/** Environments over remote hosts get their roles on the host on their first host, beside that host's bridge. */
export async function attachRoleSides(
  environments: Iterable<Environment>,
  hostSide: EnvironmentDescriptor,
  ctx: CreateContext,
): Promise<void> {
  for (const env of environments) {
    if (!(env instanceof MultiHostEnvironment) || !hostSide.createOnHost) continue;
    const side = await hostSide.createOnHost(ctx, env.firstHost);
    await side.prepare();
    env.attachRoleSide(side);
  }
}
