// A boot sweep as an experiment of its own: prepared and opened as a run's backends are,
// experiment.json (kind boot-sweep), boot.ndjson and the idle instances' samples written as
// they come, each environment swept in turn, every backend closed whatever happened.
import crypto from 'node:crypto';
import path from 'node:path';
import type { Experiment } from '../config/schema.js';
import type { EnvironmentDescriptor } from '../environments/descriptor.js';
import { createResultDir, FILES, NdjsonWriter, SamplesWriter } from '../results/store.js';
import { writeJsonAtomic } from '../util/files.js';
import { markLive } from '../util/live.js';
import { type SweepEnd, sweepEnvironment } from './bootSweep.js';
import { experimentMeta } from './meta.js';
import { closeEnvironments, openEnvironments, prepareExperiment } from './prepare.js';

export interface SweepOutcome {
  dir: string;
  /** per environment: how far it got and why it stopped before the largest point (null: it did not) */
  ends: Record<string, SweepEnd>;
  interrupted: boolean;
}

export async function runBootSweep(
  e: Experiment,
  opts: { log: (m: string) => void; signal: AbortSignal; descriptors: readonly EnvironmentDescriptor[] },
): Promise<SweepOutcome> {
  const { log, signal } = opts;
  const prepared = await prepareExperiment(e, opts.descriptors, log, signal);
  const { environments, info } = await openEnvironments(e, prepared, [], log);
  const dir = createResultDir(e.output.dir, e.name);
  const experimentId = crypto.randomBytes(3).toString('hex');
  const unmarkLive = markLive(experimentId);
  const views = Object.fromEntries(prepared.descriptors.map((d) => [d.name, d.view]));
  const meta = await experimentMeta({
    ...prepared,
    experiment: e,
    hosts: [],
    environments: info,
    views,
    experimentId,
    startedAt: new Date(),
  });
  const writeMeta = (status: Record<string, unknown>) =>
    writeJsonAtomic(path.join(dir, FILES.experiment), { ...meta, kind: 'boot-sweep', ...status });
  writeMeta({ status: 'running' });
  log(`results: ${dir}`);
  const bootOut = new NdjsonWriter(path.join(dir, FILES.boot));
  const samplesOut = new SamplesWriter(path.join(dir, FILES.samples));
  const ends: Record<string, SweepEnd> = {};
  try {
    for (const [name, env] of environments) {
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
  } finally {
    bootOut.close();
    samplesOut.close();
    await closeEnvironments(environments, experimentId);
    unmarkLive();
  }
  writeMeta({
    status: signal.aborted ? 'interrupted' : 'complete',
    ends,
    finishedAt: new Date().toISOString(),
  });
  return { dir, ends, interrupted: signal.aborted };
}
