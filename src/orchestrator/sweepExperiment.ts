// A boot sweep as an experiment of its own: prepared and opened as a run's backends are,
// experiment.json (kind boot-sweep), boot.ndjson and the idle instances' samples written as
// they come, each environment swept in turn; opened and closed by the experiment lifecycle
// (lifecycle.ts), as a run's are.
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import { FILES, NdjsonWriter, SamplesWriter } from '../results/store.js';
import { writeJsonAtomic } from '../util/files.js';
import { type SweepEnd, sweepEnvironment } from './bootSweep.js';
import { type LifecycleOptions, openExperiment } from './lifecycle.js';

export interface SweepOutcome {
  dir: string;
  /** per environment: how far it got and why it stopped before the largest point (null: it did not) */
  ends: Record<string, SweepEnd>;
  interrupted: boolean;
}

export async function runBootSweep(e: Experiment, opts: LifecycleOptions): Promise<SweepOutcome> {
  const { log, signal } = opts;
  const x = await openExperiment(e, opts);
  const { dir, experimentId } = x;
  const writeMeta = (status: Record<string, unknown>) =>
    writeJsonAtomic(path.join(dir, FILES.experiment), { ...x.meta, kind: 'boot-sweep', ...status });
  const ends: Record<string, SweepEnd> = {};
  try {
    writeMeta({ status: 'running' });
    log(`results: ${dir}`);
    const bootOut = new NdjsonWriter(path.join(dir, FILES.boot));
    const samplesOut = new SamplesWriter(path.join(dir, FILES.samples));
    x.defer(() => bootOut.close());
    x.defer(() => samplesOut.close());
    for (const [name, env] of x.environments) {
      if (signal.aborted) break;
      log(`${name}: sweep to ${Math.max(...e.sweep.instances)} instance(s), one after another`);
      ends[name] = await sweepEnvironment(name, env, {
        experiment: e,
        experimentId,
        dir,
        signal,
        log,
        write: (r) => bootOut.write([r]),
        onSamples: (rows) => samplesOut.write(rows),
      });
    }
  } catch (err) {
    writeMeta({ status: 'failed', reason: (err as Error).message, ends, finishedAt: new Date().toISOString() });
    throw err;
  } finally {
    await x.close();
  }
  writeMeta({
    status: signal.aborted ? 'interrupted' : 'complete',
    ends,
    finishedAt: new Date().toISOString(),
  });
  return { dir, ends, interrupted: signal.aborted };
}
