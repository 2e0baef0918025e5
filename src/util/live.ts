// Which experiments are running on this machine: each writes a marker with its pid (and
// the pid's start time, so a reused pid is not taken for it) while it runs. `versus clean`
// and the leftover warning leave the runs of a live experiment alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function liveDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'versus', 'live');
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
function startTicks(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Marks an experiment as running; the returned function unmarks it. */
export function markLive(experimentId: string): () => void {
  fs.mkdirSync(liveDir(), { recursive: true });
  const file = path.join(liveDir(), `${experimentId}.json`);
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, start: startTicks(process.pid) }));
  return () => fs.rmSync(file, { force: true });
}

/** The ids of the experiments running now (their process alive and the same one). */
export function liveExperiments(): string[] {
  if (!fs.existsSync(liveDir())) return [];
  return fs.readdirSync(liveDir()).flatMap((f) => {
    try {
      const { pid, start } = JSON.parse(fs.readFileSync(path.join(liveDir(), f), 'utf8')) as {
        pid: number;
        start: string | null;
      };
      return start !== null && startTicks(pid) === start ? [f.replace(/\.json$/, '')] : [];
    } catch {
      return [];
    }
  });
}

/** Whether a run id, a folder or a resource named after one ("versus-<run>-…") belongs to a live experiment. */
export function ofLiveExperiment(name: string, live: readonly string[]): boolean {
  const bare = name.replace(/^\/?versus-/, '');
  return live.some((id) => bare.startsWith(`${id}-`));
}

/** Removes the markers of experiments that are no longer running (a killed harness leaves its marker). */
export function pruneLive(): void {
  if (!fs.existsSync(liveDir())) return;
  const live = new Set(liveExperiments());
  for (const f of fs.readdirSync(liveDir()))
    if (!live.has(f.replace(/\.json$/, ''))) fs.rmSync(path.join(liveDir(), f), { force: true });
}
