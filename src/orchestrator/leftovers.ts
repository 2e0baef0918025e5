import type { CleanContext, EnvironmentDescriptor } from '../environments/descriptor.js';

/** What earlier runs (a killed harness) left behind, every backend asked. */
export async function findLeftovers(
  ctx: CleanContext,
  descriptors: readonly EnvironmentDescriptor[],
): Promise<string[]> {
  const found: string[] = [];
  for (const d of descriptors) found.push(...(await d.leftovers(ctx).catch(() => [])));
  return found;
}
