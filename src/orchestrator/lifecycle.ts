// The life of an experiment around its runs, once for `run` and `sweep`: prepared, marked
// live, its hosts and backends opened, its results folder made; then whatever the caller
// does; then everything closed in the reverse order it was acquired — whether the caller
// finished, failed or was interrupted, and whether opening itself failed half-way (a
// backend that fails to open after another one opened closes that one too).
import crypto from 'node:crypto';
import type { Experiment } from '../config/schema.js';
import type { EnvironmentDescriptor } from '../environments/descriptor.js';
import type { Environment } from '../environments/types.js';
import type { RemoteHost } from '../hosts/remote.js';
import { createResultDir } from '../results/store.js';
import type { EnvironmentView } from '../results/views.js';
import { markLive } from '../util/live.js';
import { openHosts } from './hosts.js';
import { experimentMeta } from './meta.js';
import { closeEnvironments, openEnvironments, type Prepared, prepareExperiment } from './prepare.js';

export interface LifecycleOptions {
  log: (message: string) => void;
  signal: AbortSignal;
  /** every backend this build has (the composition's registry); the experiment's are picked by name */
  descriptors: readonly EnvironmentDescriptor[];
}

/** An experiment opened: what its runs need, and `close`, which the caller calls once in a finally. */
export interface OpenExperiment {
  prepared: Prepared;
  experimentId: string;
  hosts: RemoteHost[];
  environments: Map<string, Environment>;
  hostSide: Environment | null;
  /** what each backend described at the start */
  info: Record<string, unknown>;
  views: Record<string, EnvironmentView>;
  dir: string;
  meta: Awaited<ReturnType<typeof experimentMeta>>;
  /** something more to release at close, before what was acquired earlier (writers, a compactor) */
  defer(release: () => unknown): void;
  /** releases everything, the last acquired first; a release that fails does not stop the others */
  close(): Promise<void>;
}

/** A stack of releases, run the last first; each one's failure is logged and the rest still run. */
export class Releases {
  private readonly stack: { what: string; release: () => unknown }[] = [];
  constructor(private readonly log: (m: string) => void) {}

  push(what: string, release: () => unknown): void {
    this.stack.push({ what, release });
  }

  async releaseAll(): Promise<void> {
    while (this.stack.length) {
      const { what, release } = this.stack.pop()!;
      try {
        await release();
      } catch (err) {
        this.log(`versus: closing ${what} failed: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * Opens an experiment: everything acquired is released again, in reverse, if a later step
 * fails; on success the caller owns `close()` (one try/finally around its runs).
 */
export async function openExperiment(e: Experiment, opts: LifecycleOptions): Promise<OpenExperiment> {
  const { log, signal } = opts;
  const releases = new Releases(log);
  try {
    const prepared = await prepareExperiment(e, opts.descriptors, log, signal);
    const experimentId = crypto.randomBytes(3).toString('hex');
    // from here on `versus clean` elsewhere leaves this experiment's resources alone
    releases.push('the live marker', markLive(experimentId));
    const hosts = await openHosts(e, log);
    releases.push('the SSH connections', () => {
      for (const h of hosts) h.close();
    });
    const { environments, info, hostSide } = await openEnvironments(e, prepared, hosts, log);
    releases.push('the backends', () => closeEnvironments(environments, experimentId, hostSide));
    const views = Object.fromEntries(prepared.descriptors.map((d) => [d.name, d.view]));
    const dir = createResultDir(e.output.dir, e.name);
    const meta = await experimentMeta({
      ...prepared,
      experiment: e,
      hosts,
      environments: info,
      views,
      experimentId,
      startedAt: new Date(),
    });
    return {
      prepared,
      experimentId,
      hosts,
      environments,
      hostSide,
      info,
      views,
      dir,
      meta,
      defer: (release) => releases.push('the results writers', release),
      close: () => releases.releaseAll(),
    };
  } catch (err) {
    await releases.releaseAll();
    throw err;
  }
}

/** Facts a backend learnt during the experiment (an accelerator fallback) join what it described at the start. */
export function mergeInfoUpdates(info: Record<string, unknown>, environments: ReadonlyMap<string, Environment>): void {
  for (const [name, env] of environments) {
    const updates = env.infoUpdates?.();
    if (updates && Object.keys(updates).length) info[name] = { ...(info[name] as object), ...updates };
  }
}
