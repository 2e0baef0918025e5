// Before the first run: the workloads resolved and bundled, the image where a backend
// needs one, a warning about leftovers of killed runs, and every backend created and
// prepared (on the remote hosts that offer it). After the last: every backend closed.
import type { Experiment } from '../config/schema.js';
import type { EnvironmentDescriptor } from '../environments/descriptor.js';
import type { Environment } from '../environments/types.js';
import type { RemoteHost } from '../hosts/remote.js';
import { ensureImage } from '../image/build.js';
import type { ImageManifest } from '../image/manifest.js';
import { IMAGE_SPEC } from '../image/spec.js';
import { liveExperiments } from '../util/live.js';
import { type WorkloadBundle, workloadBundle } from '../workload/bundle.js';
import type { ResolvedWorkload } from '../workload/manifest.js';
import { checkPackages, resolveEntries } from '../workload/resolve.js';
import { attachRoleSides, createEnvironment } from './hosts.js';
import { findLeftovers } from './leftovers.js';

export interface Prepared {
  workloads: ResolvedWorkload[];
  bundle: WorkloadBundle;
  descriptors: EnvironmentDescriptor[];
  /** the backend of the roles placed on the host, when a workload places one there */
  hostSide: EnvironmentDescriptor | null;
  image: ImageManifest | null;
}

/** Whether any workload runs a role on the host (its workers native processes beside the environment's). */
export function placesOnHost(workloads: readonly ResolvedWorkload[]): boolean {
  return workloads.some((w) => Object.values(w.manifest.roles ?? {}).some((r) => r.place === 'host'));
}

type Log = (message: string) => void;

export async function prepareExperiment(
  e: Experiment,
  all: readonly EnvironmentDescriptor[],
  log: Log,
  signal: AbortSignal,
): Promise<Prepared> {
  const workloads = resolveEntries(e);
  const bundle = workloadBundle(workloads.map((w) => w.dir));
  const descriptors = e.environments.map((n) => all.find((d) => d.name === n)!);
  const hostSide = placesOnHost(workloads) ? (all.find((d) => d.hostSide) ?? null) : null;
  if (placesOnHost(workloads) && !hostSide)
    throw new Error('roles placed on the host: this build has no backend for them');
  const needsImage = [...descriptors, ...(hostSide ? [hostSide] : [])].some((d) => d.needsImage(e));
  if (needsImage) checkPackages(workloads, IMAGE_SPEC.packages);
  const image = needsImage ? await ensureImage({ progress: (m) => log(`image: ${m}`), signal }) : null;
  const leftovers = await findLeftovers({ experiment: e, image, log, live: liveExperiments() }, all);
  if (leftovers.length) {
    log(
      `warning: ${leftovers.length} leftover(s) of earlier runs (a killed harness?): ${leftovers.slice(0, 5).join(', ')}${leftovers.length > 5 ? ', …' : ''}; run \`versus clean\` to remove them`,
    );
  }
  return { workloads, bundle, descriptors, hostSide, image };
}

/** Every backend created and prepared, with what experiment.json records of it; on a failure the ones made are closed. */
export async function openEnvironments(
  e: Experiment,
  p: Prepared,
  hosts: readonly RemoteHost[],
  log: Log,
): Promise<{ environments: Map<string, Environment>; info: Record<string, unknown>; hostSide: Environment | null }> {
  const environments = new Map<string, Environment>();
  const info: Record<string, unknown> = {};
  const ctx = { experiment: e, image: p.image, log, workloads: p.bundle };
  let hostSide: Environment | null = null;
  try {
    for (const d of p.descriptors) {
      const env = await createEnvironment(d, ctx, hosts);
      environments.set(d.name, env);
      await env.prepare();
      info[d.name] = await env.describe();
    }
    // an instance of its own (this machine only), so its runs never meet the environment's
    if (p.hostSide) {
      hostSide = await p.hostSide.create(ctx);
      await hostSide.prepare();
      await attachRoleSides(environments.values(), p.hostSide, ctx);
    }
  } catch (err) {
    // a backend may have started a daemon before another one failed
    for (const env of [...(hostSide ? [hostSide] : []), ...environments.values()]) await env.close?.().catch(() => {});
    throw err;
  }
  return { environments, info, hostSide };
}

/**
 * The end of an experiment, whatever happened: what is left of its own runs removed, and
 * what each backend started stopped. Never another experiment's workers: those are
 * `versus clean`'s, once that experiment is over.
 */
export async function closeEnvironments(
  environments: ReadonlyMap<string, Environment>,
  experimentId: string,
  hostSide: Environment | null = null,
): Promise<void> {
  // the roles on the host first: their endpoints sit on the environments' segments
  for (const env of [...(hostSide ? [hostSide] : []), ...environments.values()]) {
    await env.cleanExperiment(experimentId).catch(() => []);
    await env.close?.().catch(() => {});
  }
}
