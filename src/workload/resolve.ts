// From an experiment's workload entries to what runs: manifests read and checked,
// parameters resolved, and what experiment.json records of each.

import type { WorkloadMeta } from '../results/types.js';
import { UsageError } from '../util/errors.js';
import { findWorkload, headlineMetric, type ResolvedWorkload, readManifest, resolveWorkload } from './manifest.js';
import type { Roles } from './roles.js';
import type { WorkloadEntry } from './suite.js';

export function resolveEntries(e: {
  workloads: readonly WorkloadEntry[];
  workloadDirs: readonly string[];
}): ResolvedWorkload[] {
  return e.workloads.map((w) => {
    const dir = findWorkload(w.name, e.workloadDirs);
    return resolveWorkload(readManifest(dir), w.preset, w.params, { ...w, dir });
  });
}

/** Workloads from outside workloads/ cannot add packages: the image is built from the project's manifests. */
export function checkPackages(workloads: readonly ResolvedWorkload[], image: readonly string[]): void {
  const have = new Set(image);
  for (const w of workloads) {
    const missing = w.manifest.packages.filter((p) => !have.has(p));
    if (missing.length)
      throw new UsageError(
        `${w.id}: needs Debian package(s) ${missing.join(', ')} that the worker image does not hold; only workloads under workloads/ add packages to the image (move it there, or declare them in a project workload)`,
      );
  }
}

export function workloadMeta(w: ResolvedWorkload): WorkloadMeta {
  return {
    id: w.id,
    name: w.manifest.name,
    version: w.manifest.version,
    preset: w.preset,
    params: w.params,
    workKey: w.workKey,
    verification: w.manifest.verification,
    network: w.network,
    ...(w.manifest.roles ? { roles: rolesMeta(w.manifest.roles) } : {}),
    ...(w.manifest.description ? { description: w.manifest.description } : {}),
    ...(w.manifest.reference ? { reference: w.manifest.reference } : {}),
    metrics: Object.fromEntries(
      Object.entries(w.manifest.metrics).map(([name, m]) => [
        name,
        {
          unit: m.unit,
          better: m.better,
          ...(m.headline ? { headline: true } : {}),
          ...(m.description ? { description: m.description } : {}),
        },
      ]),
    ),
    headline: headlineMetric(w.manifest),
  };
}

/** The roles as experiment.json records them: count, whether it serves, which one reports. */
function rolesMeta(roles: Roles): Record<string, { count: number | 'rest'; serve: boolean; reports: boolean }> {
  return Object.fromEntries(
    Object.entries(roles).map(([n, r]) => [n, { count: r.count, serve: r.serve, reports: r.reports }]),
  );
}
