// Every environment versus can run, one line each. Adding a backend: a folder under
// src/environments/ whose index.ts exports its descriptor (docs/ARCHITECTURE.md), and a line here.
// This is the composition: nothing below src/compose/ imports it; the layers below are
// handed the descriptors they need.

import { charliecloud } from '../environments/charliecloud/index.js';
import type { EnvironmentDescriptor, EnvironmentView } from '../environments/descriptor.js';
import { docker } from '../environments/docker/index.js';
import { gvisor } from '../environments/gvisor/index.js';
import { lxc } from '../environments/lxc/index.js';
import { microvm } from '../environments/microvm/index.js';
import { native } from '../environments/native/index.js';
import { podman } from '../environments/podman/index.js';
import { qemu } from '../environments/qemu/index.js';
import { vagrant } from '../environments/vagrant/index.js';
import { registerKnownViews } from '../results/views.js';

/** By name; the order is the order of legends and tables. */
export const REGISTRY = { docker, gvisor, podman, lxc, charliecloud, microvm, qemu, vagrant, native } as const;

export type EnvironmentName = keyof typeof REGISTRY;
export const ENVIRONMENT_NAMES = Object.keys(REGISTRY) as [EnvironmentName, ...EnvironmentName[]];
export const ENVIRONMENTS: readonly EnvironmentDescriptor[] = Object.values(REGISTRY);
export const DEFAULT_ENVIRONMENTS = ENVIRONMENTS.filter((d) => d.inDefault).map((d) => d.name as EnvironmentName);
/** What a remote host runs when its config names nothing: the default backends that can run on a host. */
export const DEFAULT_HOST_ENVIRONMENTS = ENVIRONMENTS.filter((d) => d.inDefault && d.createOnHost).map((d) => d.name);

// results written before experiment.json recorded views still render with these
registerKnownViews(ENVIRONMENTS.map((d) => [d.name, d.view] as const));

export function descriptorOf(name: string): EnvironmentDescriptor | undefined {
  return (REGISTRY as Record<string, EnvironmentDescriptor>)[name];
}

/** The views of the given environments, for experiment.json. */
export function viewsOf(names: readonly string[]): Record<string, EnvironmentView> {
  return Object.fromEntries(names.flatMap((n) => (descriptorOf(n) ? [[n, descriptorOf(n)!.view]] : [])));
}
