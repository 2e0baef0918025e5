import type { CleanContext } from '../environments/descriptor.js';
import { ENVIRONMENTS } from '../environments/registry.js';

/** What earlier runs (a killed harness) left behind, every backend asked. */
export async function findLeftovers(ctx: CleanContext): Promise<string[]> {
  const found: string[] = [];
  for (const d of ENVIRONMENTS) found.push(...(await d.leftovers(ctx).catch(() => [])));
  return found;
}
