// The process host: a worker that is a process of this machine started from an argv — native's
// chroot, Charliecloud's ch-run, LXC's lxc-execute. It starts the argv, waits for the barrier's
// ready line, releases and stops it over stdin, and kills it; what the argv is, is the backend's.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv } from '../image/build.js';
import type { ArmedWorkload, WorkerExit } from './types.js';
import { WorkerOutput } from './workerOutput.js';

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
export function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The processes a process host started, by run: what a run's teardown kills. */
export class RunProcesses {
  private readonly byRun = new Map<string, Set<ChildProcess>>();

  /** A run's set (made on first use): startProcess adds each worker's process to it. */
  of(runId: string): Set<ChildProcess> {
    let set = this.byRun.get(runId);
    if (!set) this.byRun.set(runId, (set = new Set()));
    return set;
  }

  /** Kills a run's processes (SIGTERM, then SIGKILL) and forgets the run. */
  async kill(runId: string): Promise<void> {
    await Promise.all([...(this.byRun.get(runId) ?? [])].map(killAndWait));
    this.byRun.delete(runId);
  }

  /** At an experiment's end: tears down each run still known (a teardown that did not happen), named `what`. */
  async teardownEach(what: string, teardown: (runId: string) => Promise<void>): Promise<string[]> {
    const names: string[] = [];
    for (const runId of [...this.byRun.keys()]) {
      names.push(`${what} of ${runId}`);
      await teardown(runId);
    }
    return names;
  }
}

export interface StartedProcess {
  armed: ArmedWorkload;
  /** the argv's own process (the sampler's root) */
  pid: number | null;
}

/**
 * Starts one worker's argv with the harness's clean environment (plus `env`), keeps it in
 * `children` for teardown, and resolves once the barrier says ready (rejects if it ends first).
 */
export async function startProcess(
  worker: string,
  argv: { cmd: string; args: string[] },
  children: Set<ChildProcess>,
  onLine: (line: string) => void,
  env: Record<string, string> = {},
): Promise<StartedProcess> {
  const { cmd, args } = argv;
  const child = spawn(cmd, args, { env: { ...cleanEnv(), ...env }, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const output = new WorkerOutput(onLine);
  child.stderr.on('data', (d: Buffer) => output.stderr(d));
  child.stdout.on('data', (d: Buffer) => output.stdout(d));
  const exit = new Promise<WorkerExit>((resolve) => {
    child.once('error', (err) =>
      resolve({ code: null, reason: `cannot start ${cmd}: ${err.message}`, stderrTail: '' }),
    );
    child.once('close', (code, signal) => {
      output.end();
      resolve({
        code,
        reason: signal ? `killed by ${signal}` : code !== 0 ? `exit code ${code}` : null,
        stderrTail: output.stderrTail(),
      });
    });
  });
  await output.waitReady(worker, exit);
  const armed: ArmedWorkload = {
    worker,
    release: () => {
      child.stdin.write('go\n');
    },
    stop: () => {
      if (child.stdin.writable) child.stdin.write('stop\n');
    },
    exit,
    kill: () => killAndWait(child),
  };
  return { armed, pid: child.pid ?? null };
}

/** How a process host puts a worker into the worker image's tree (native: chroot; Charliecloud: ch-run). */
export interface TreeLauncher {
  /** the backend's name: workers are `<name>-<i>` */
  name: string;
  /** experiment.json's runtime line */
  runtime: string;
  /** argv prefix that runs the rest in the tree `rootfs`, `workloadsDir` read-only over its workloads; `withProc`: on a network (reads its namespace's /proc/net) */
  argv(rootfs: string, workloadsDir: string, withProc: boolean): string[];
  /** variables the launcher needs beyond the clean environment */
  env?: Readonly<Record<string, string>>;
}

/** The cgroup version of this machine's hierarchy (a hybrid one's v1 controllers: 1), or null when neither can be used. */
export function cgroupVersion(root = '/sys/fs/cgroup'): 1 | 2 | null {
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return 2;
  if (fs.existsSync(path.join(root, 'memory')) && fs.existsSync(path.join(root, 'cpu'))) return 1;
  return null;
}
