// A workload process and everything it started (a benchmark tool a workload runs
// as a child of the workload's node): CPU time and memory of the whole tree, the way
// a container's cgroup counts them. Children are found through
// /proc/<pid>/task/<pid>/children; kernels without it show the root process alone.
import fs from 'node:fs';
import { isGone } from './procFile.js';
import { type ProcessTimes, parsePidStat } from './procstat.js';
import { parseSmapsRollup, type WorkloadMemory } from './smaps.js';

/** CPU ticks of a tree from its processes' stats: own time plus the waited-for children's, so an exit moves time and never loses it. Pure. */
export function treeTicks(stats: readonly ProcessTimes[]): { user: number; system: number; rssPages: number } {
  let user = 0;
  let system = 0;
  let rssPages = 0;
  for (const t of stats) {
    user += t.utimeTicks + t.cutimeTicks;
    system += t.stimeTicks + t.cstimeTicks;
    rssPages += t.rssPages;
  }
  return { user, system, rssPages };
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isGone(err)) return null; // ended between the listing and the read
    throw err;
  }
}

/** The pids of root's descendants (not root), depth first. */
export function descendants(root: number, limit = 4096): number[] {
  const out: number[] = [];
  const stack = [root];
  while (stack.length && out.length < limit) {
    const pid = stack.pop()!;
    const text = readOrNull(`/proc/${pid}/task/${pid}/children`);
    if (!text) continue;
    for (const c of text.split(' ')) {
      const child = Number(c);
      if (Number.isInteger(child) && child > 0) {
        out.push(child);
        stack.push(child);
      }
    }
  }
  return out;
}

/** The stats of the descendants still there. */
export function descendantStats(pids: readonly number[]): ProcessTimes[] {
  const out: ProcessTimes[] = [];
  for (const pid of pids) {
    const text = readOrNull(`/proc/${pid}/stat`);
    if (text) out.push(parsePidStat(text));
  }
  return out;
}

/** PSS and USS summed over processes (root's text already read). */
export function treeMemory(rootSmaps: string, pids: readonly number[]): WorkloadMemory | null {
  const root = parseSmapsRollup(rootSmaps);
  if (!root) return null;
  let pss = root.pssBytes;
  let uss = root.ussBytes;
  for (const pid of pids) {
    const text = readOrNull(`/proc/${pid}/smaps_rollup`);
    const m = text ? parseSmapsRollup(text) : null;
    if (m) {
      pss += m.pssBytes;
      uss += m.ussBytes;
    }
  }
  return { pssBytes: pss, ussBytes: uss };
}
