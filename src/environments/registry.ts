// Every environment versus can run, one line each. Adding a backend: a folder under
// src/environments/ whose index.ts exports its descriptor (docs/ARCHITECTURE.md), and a line here.
import type { EnvironmentDescriptor, EnvironmentView } from './descriptor.js';
import { docker } from './docker/index.js';
import { gvisor } from './gvisor/index.js';
import { native } from './native/index.js';
import { podman } from './podman/index.js';
import { qemu } from './qemu/index.js';
import { vagrant } from './vagrant/index.js';

/** By name; the order is the order of legends and tables. */
export const REGISTRY = { docker, gvisor, podman, qemu, vagrant, native } as const;

export type EnvironmentName = keyof typeof REGISTRY;
export const ENVIRONMENT_NAMES = Object.keys(REGISTRY) as [EnvironmentName, ...EnvironmentName[]];
export const ENVIRONMENTS: readonly EnvironmentDescriptor[] = Object.values(REGISTRY);
export const DEFAULT_ENVIRONMENTS = ENVIRONMENTS.filter((d) => d.inDefault).map((d) => d.name as EnvironmentName);
/** What a remote host runs when its config names nothing: the default backends that can run on a host. */
export const DEFAULT_HOST_ENVIRONMENTS = ENVIRONMENTS.filter((d) => d.inDefault && d.createOnHost).map((d) => d.name);

export function descriptorOf(name: string): EnvironmentDescriptor | undefined {
  return (REGISTRY as Record<string, EnvironmentDescriptor>)[name];
}

/** The views of the given environments, for experiment.json. */
export function viewsOf(names: readonly string[]): Record<string, EnvironmentView> {
  return Object.fromEntries(names.flatMap((n) => (descriptorOf(n) ? [[n, descriptorOf(n)!.view]] : [])));
}
