// What can be checked of an experiment before anything starts (the image step, the
// leftover scan, the backends' preparation): where results go, the workload folders, the
// SSH keys of the hosts, and CPUs per worker against this host's. Each problem is one
// UsageError naming the flag or the config field.
import fs from 'node:fs';
import os from 'node:os';
import type { Experiment } from '../config/schema.js';
import { UsageError } from '../util/errors.js';
import { resolveEntries } from '../workload/resolve.js';
import { assignRoles, rolesWanted } from '../workload/roles.js';
import { checkHostLimits, type HostLimitFacts, hostLimitFacts } from './hostLimits.js';
import { descriptorOf, ENVIRONMENTS } from './registry.js';

/** How a field is named in an error: the flag that set it, else the config field. */
export type FieldName = (path: string, fallback: string) => string;

export function preflight(e: Experiment, warn: (m: string) => void, nameOf: FieldName = (_, f) => f): void {
  const out = e.output.dir;
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory())
    throw new UsageError(`${nameOf('output.dir', `output.dir ${out}`)}: is a file; results go into a folder`);
  e.workloadDirs.forEach((dir, i) => {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
      throw new UsageError(`${nameOf('workloadDirs', `workloadDirs[${i}] ${dir}`)}: no such folder`);
  });
  e.hosts.forEach((h, i) => {
    if (!fs.existsSync(h.ssh.key))
      throw new UsageError(`hosts[${i}].ssh.key ${h.ssh.key} (host ${h.name}): no such file`);
  });
  checkCpus(e, warn, nameOf);
  checkNetworks(e, nameOf);
  // over hosts, each host's own engines hold their share: checked by the hosts themselves
  const n = Math.max(...e.instances);
  if (!e.hosts.length) checkWorkerLimits(e, n, nameOf('instances', `instances ${n}`), warn);
}

/** Each workload's network is one every environment of the experiment can give, and its roles fit every density. */
function checkNetworks(e: Experiment, nameOf: FieldName): void {
  for (const w of resolveEntries(e)) {
    const field = nameOf('network', 'network');
    for (const env of e.environments) {
      const can = descriptorOf(env)?.networks ?? ['none'];
      if (can.includes(w.network)) continue;
      const note = descriptorOf(env)?.networkNotes?.[w.network];
      throw new UsageError(
        `${field}: ${w.id} runs with network ${w.network}, which ${env} cannot give${note ? ` (${note})` : ''}; ${env} can: ${can.join(', ')} (docs/network.md)`,
      );
    }
    checkNetworkOnHosts(e, w.id, w.network, field);
    const roles = w.manifest.roles;
    const bad = roles ? e.instances.find((n) => assignRoles(roles, n) === null) : undefined;
    if (roles && bad !== undefined)
      throw new UsageError(
        `${nameOf('instances', 'instances')}: ${bad} worker(s) cannot hold the roles of ${w.id} (${rolesWanted(roles)})`,
      );
  }
}

/** A network over the hosts section: bridge where the environment spans hosts with it; host never (127.0.0.1 is each host's own). */
function checkNetworkOnHosts(e: Experiment, id: string, network: string, field: string): void {
  if (network === 'none') return;
  const remote = e.environments.filter((env) => e.hosts.some((h) => h.environments.includes(env)));
  for (const env of remote) {
    if (network === 'bridge' && descriptorOf(env)?.bridgeSpansHosts) continue;
    const why =
      network === 'host'
        ? "a worker on one host cannot reach another host's 127.0.0.1"
        : `${env}'s network bridge does not span hosts yet (built for: ${spanning().join(', ')}; docs/hosts.md)`;
    throw new UsageError(`${field}: ${id} runs with network ${network} on the hosts section's ${env}: ${why}`);
  }
}

function spanning(): string[] {
  return ENVIRONMENTS.filter((d) => d.bridgeSpansHosts).map((d) => d.name);
}

/** More CPUs per worker than this host has: an engine's containers are refused, VMs and process workers run overcommitted. */
function checkCpus(e: Experiment, warn: (m: string) => void, nameOf: FieldName): void {
  const host = os.availableParallelism();
  const cpus = e.worker.cpus;
  if (cpus <= host || e.hosts.length) return;
  const what = `${nameOf('worker.cpus', `worker.cpus ${cpus}`)}: more CPUs per worker than this host's ${host}`;
  const refused = e.environments.filter((n) => descriptorOf(n)?.refusesCpuOvercommit);
  if (refused.length)
    throw new UsageError(`${what}: the engine refuses such a container (${refused.join(', ')}); at most ${host}`);
  warn(`warning: ${what}: VMs get ${cpus} vCPUs on ${host} host CPUs and process workers an unreachable quota`);
}

/** n workers of each environment at once against this host's limits (docs/ARCHITECTURE.md: no fixed cap). */
export function checkWorkerLimits(
  e: Experiment,
  n: number,
  field: string,
  warn: (m: string) => void,
  facts: HostLimitFacts = hostLimitFacts(),
): void {
  const envs = e.environments.flatMap((name) => {
    const d = descriptorOf(name);
    return d ? [{ name, cost: d.hostCost }] : [];
  });
  const { refusals, warnings } = checkHostLimits(n, envs, e.worker.memoryMiB, facts);
  if (refusals.length) throw new UsageError(`${field}: ${refusals.join('; ')}`);
  for (const w of warnings) warn(w);
}
