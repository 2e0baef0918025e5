/**
 * Time left in an experiment, from the wall time of the runs done so far: each
 * remaining run is expected to take the mean of the finished runs of its
 * environment (VM runs take ten times a container's), or the mean of all runs
 * while its environment has none yet. Pure.
 */
export function estimateRemainingS(
  done: readonly { env: string; seconds: number }[],
  remaining: readonly { env: string }[],
): number | null {
  if (done.length === 0) return null;
  const byEnv = new Map<string, number[]>();
  for (const d of done) byEnv.set(d.env, [...(byEnv.get(d.env) ?? []), d.seconds]);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const overall = avg(done.map((d) => d.seconds));
  return remaining.reduce((sum, r) => sum + (byEnv.has(r.env) ? avg(byEnv.get(r.env)!) : overall), 0);
}

/** "45 s", "4 min", "1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const min = Math.round(seconds / 60);
  if (min < 90) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}
