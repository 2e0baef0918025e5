// A Dask distributed role under versus (lib/dask_roles.py under Debian's /usr/bin/python3):
// the scheduler and the workers serve — ready once listening / registered with the
// scheduler, stopped by the harness after the job — and the client submits the job at the
// barrier and reports its result. A cluster workload's entry is one call of runDaskRole.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRoleArgs } from './args.mjs';
import { WorkloadError } from './errors.mjs';
import { emitResult, phase, readParams, runMain, start } from './runner.mjs';
import { serve } from './serve.mjs';

/** Debian's python3, where python3-distributed lives (another python3 may come first on PATH). */
const PYTHON = '/usr/bin/python3';
const ROLES = fileURLToPath(new URL('./dask_roles.py', import.meta.url));
/**
 * Dask's own bookkeeping that would compete with the job for the worker's CPUs: the
 * statistical profiler samples every thread's stack 100 times a second in every worker, and
 * work stealing re-plans tasks that are pinned to their worker anyway.
 */
const DASK_SETTINGS = {
  DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED: 'False',
  DASK_DISTRIBUTED__SCHEDULER__WORK_STEALING: 'False',
};

/** Runs this worker's role of a cluster job: `job` is the job module (a .py beside the entry). */
export function runDaskRole(name, manifestUrl, jobUrl) {
  runMain(name, async (argv) => {
    const { role, argv: own } = parseRoleArgs(argv);
    if (role.role === 'client') await client(role, own, manifestUrl, fileURLToPath(jobUrl));
    else if (role.role === 'scheduler' || role.role === 'worker')
      await server(name, role, own, manifestUrl, fileURLToPath(jobUrl));
    else throw new WorkloadError(`no role ${role.role} in a Dask cluster (scheduler, worker, client)`);
  });
}

/** The python side as a child: its JSON lines by event, why it ended if it did. */
function python(args) {
  const child = spawn(PYTHON, [ROLES, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...DASK_SETTINGS,
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      VERSUS_NODE: process.execPath,
    },
  });
  const events = [];
  let tail = '';
  let failure = null;
  let stopping = false;
  let buffered = '';
  child.stdout.on('data', (d) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const l of lines) if (l.startsWith('{')) events.push(JSON.parse(l));
  });
  child.stderr.on('data', (d) => {
    tail = (tail + d).slice(-4000);
  });
  child.on('error', (e) => {
    failure = e.code === 'ENOENT' ? `${PYTHON} is not installed in this worker` : e.message;
  });
  const ended = new Promise((resolve) => child.on('close', resolve));
  // the harness stops a worker with SIGTERM: the engine's process goes with it, never orphaned
  const end = () => child.kill('SIGKILL');
  process.once('exit', end);
  process.once('SIGTERM', () => {
    end();
    process.exit(143);
  });
  child.on('close', (code, signal) => {
    const lost = events.find((e) => e.event === 'lost');
    if (!stopping) failure ??= `dask ${args[0]} ${signal ?? `exit ${code}`}: ${lost?.why ?? lastLines(tail)}`;
  });
  return {
    child,
    ended,
    events,
    failure: () => failure,
    tail: () => tail,
    stop: () => {
      stopping = true;
      child.kill('SIGTERM');
    },
  };
}

function lastLines(text) {
  return text.trim().split('\n').slice(-3).join(' | ');
}

async function server(name, role, argv, manifestUrl, job) {
  const { p } = readParams(manifestUrl, argv);
  const args = [role.role, '--listen', role.listen, '--port', String(role.port)];
  let localDir = null;
  if (role.role === 'worker') {
    const scheduler = role.peers[0];
    if (!scheduler) throw new WorkloadError('a Dask worker needs its scheduler (--peers)');
    localDir = fs.mkdtempSync(path.join(p['work-dir'] ?? os.tmpdir(), 'versus-dask-'));
    args.push('--scheduler', `${scheduler.host}:${scheduler.port}`, '--name', `w${role.rank}`);
    args.push('--threads', String(p.threads), '--local-dir', localDir, '--job', job);
    if (p['memory-mib']) args.push('--memory-mib', String(p['memory-mib']));
  }
  const py = python(args);
  await serve({
    name: `${name} ${role.role}`,
    ports: [role.port],
    ready: () => py.events.some((e) => e.event === 'ready'),
    start: async () => {},
    failed: py.failure,
    stop: async () => {
      py.stop();
      await py.ended;
      if (localDir) fs.rmSync(localDir, { recursive: true, force: true });
      const stopped = py.events.find((e) => e.event === 'stopped');
      return {
        verified: true,
        checksum: `dask ${role.role}`,
        metrics: stopped ? { workersSeen: stopped.workers_seen } : {},
        threads: p.threads ?? 1,
        ms: {},
      };
    },
  });
}

async function client(role, argv, manifestUrl, job) {
  const { manifest, p } = start(manifestUrl, argv);
  const scheduler = role.peers[0];
  if (!scheduler) throw new WorkloadError('a Dask client needs its scheduler (--peers)');
  const ms = {};
  let py;
  ms.job = await phase('job', async () => {
    py = python([
      'client',
      '--scheduler',
      `${scheduler.host}:${scheduler.port}`,
      '--job',
      job,
      '--params',
      JSON.stringify(p),
    ]);
    await py.ended;
  });
  const result = py.events.find((e) => e.event === 'result');
  if (!result) throw new Error(`the job ended without a result: ${py.failure() ?? lastLines(py.tail())}`);
  const { checksum, metrics, event: _e, ...extra } = result;
  emitResult({ name: manifest.name, checksum, metrics, threads: 1, ms, extra });
}
