// A boot sweep's results (boot.ndjson): per environment, a line for the host before its first
// instance, one per instance once it is ready and idle, and one when the environment's sweep
// ended (how far, why it stopped, the teardown). Read here; drawn by report/bootSweep.ts.
import fs from 'node:fs';
import path from 'node:path';
import { FILES, readNdjsonLines } from './store.js';

/** The host before an environment's first instance: Fig. 4's zero. */
export interface BootBaselineRecord {
  type: 'baseline';
  env: string;
  hostMemUsedBytes: number;
  at: string;
}

export interface BootInstanceRecord {
  type: 'instance';
  env: string;
  /** 1-based: the n-th instance of this environment, every earlier one still up and idle */
  instance: number;
  /** the backend's provision call alone (VMs: QEMU start to SSH answering) */
  provisionS: number;
  /** this instance's start to its worker's ready line (the runtime started inside it) */
  readyS: number;
  /** this and every earlier instance's readyS added up (the idle settles between them left out): Fig. 3's y */
  cumulativeS: number;
  /** the host's MemTotal − MemAvailable once this instance is ready and idle: Fig. 4's y */
  hostMemUsedBytes: number;
  hostMemAvailableBytes: number;
  /** what the host pays for this instance alone, by its host-side view (null: none answered) */
  instanceMemBytes: number | null;
  /** that view: cgroup, process, docker-stats */
  instanceMemSource: string | null;
  /** versus itself during the idle settle after this instance (i instances sampled): CPU seconds, the window, its RSS */
  harness?: { cpuS: number; windowS: number; rssBytes: number };
  at: string;
}

export interface BootEndRecord {
  type: 'end';
  env: string;
  target: number;
  reached: number;
  /** why it stopped before the target (an instance that failed, the memory floor, an interrupt); null: reached */
  stopped: string | null;
  teardownS: number;
  at: string;
}

export type BootRecord = BootBaselineRecord | BootInstanceRecord | BootEndRecord;

export interface BootSweep {
  envs: string[];
  baselines: Map<string, BootBaselineRecord>;
  instances: Map<string, BootInstanceRecord[]>;
  ends: Map<string, BootEndRecord>;
  skipped: string[];
}

export function isBootSweep(dir: string): boolean {
  return fs.existsSync(path.join(dir, FILES.boot));
}

/** The records of a sweep, grouped per environment in the order they ran. */
export function readBootSweep(dir: string): BootSweep {
  const { rows, skipped } = readNdjsonLines<BootRecord>(path.join(dir, FILES.boot));
  return groupBootRecords(rows, skipped);
}

/** Pure. */
export function groupBootRecords(rows: readonly BootRecord[], skipped: string[] = []): BootSweep {
  const out: BootSweep = { envs: [], baselines: new Map(), instances: new Map(), ends: new Map(), skipped };
  for (const r of rows) {
    if (!out.envs.includes(r.env)) out.envs.push(r.env);
    if (r.type === 'baseline') out.baselines.set(r.env, r);
    else if (r.type === 'end') out.ends.set(r.env, r);
    else if (r.type === 'instance') out.instances.set(r.env, [...(out.instances.get(r.env) ?? []), r]);
  }
  return out;
}
