// A boot sweep's results directory as a report page: the records read by results/, drawn by bootSweep.ts.
import { readBootSweep } from '../results/bootSweep.js';
import { readMeta } from '../results/read.js';
import type { Views } from '../results/views.js';
import { bootSweepPage } from './bootSweep.js';
import type { Page } from './html.js';

export function sweepPageOf(dir: string): Page {
  const meta = readMeta(dir) as ReturnType<typeof readMeta> & {
    experiment?: { sweep?: { instances?: number[]; memoryFloorMiB?: number; intervalMs?: number } };
  };
  const sweep = readBootSweep(dir);
  const cfg = meta.experiment?.sweep ?? {};
  const env = meta.environments ?? {};
  const accel = Object.entries(env)
    .filter(([, info]) => typeof info.accelerator === 'string')
    .map(([name, info]) => `${name}: ${String(info.accelerator)} (${String(info.acceleratorReason ?? '')})`);
  return bootSweepPage(sweep, {
    views: meta.views as Views | undefined,
    steps: cfg.instances ?? [],
    title: `Boot sweep: ${meta.experiment?.name ?? dir}${meta.status === 'complete' ? '' : ` (${meta.status ?? 'incomplete'})`}`,
    facts: [
      {
        label: 'sweep',
        value: `points ${(cfg.instances ?? []).join(', ')}; memory floor ${cfg.memoryFloorMiB ?? '?'} MiB; sampling every ${cfg.intervalMs ?? '?'} ms`,
      },
      {
        label: 'worker',
        value: `${meta.experiment?.worker?.cpus ?? '?'} CPU, ${meta.experiment?.worker?.memoryMiB ?? '?'} MiB`,
      },
      {
        label: 'host',
        value: `${meta.host?.cpu?.brand ?? '?'}, ${meta.host?.cpu?.cores ?? '?'} cores, ${((meta.host?.memoryBytes ?? 0) / 2 ** 30).toFixed(1)} GiB; ${meta.host?.os?.distro ?? ''} ${meta.host?.os?.kernel ?? ''}`,
      },
      ...(accel.length ? [{ label: 'accelerator', value: accel.join('\n') }] : []),
      {
        label: 'ready',
        value:
          "an instance is ready when its worker printed the barrier's ready line: the runtime started inside it (VMs: booted and reached over SSH first)",
      },
    ],
  });
}
