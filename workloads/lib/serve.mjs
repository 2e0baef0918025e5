// The shape of a serving role (a server its clients talk to): started at once by
// `barrier.mjs --serve`, it prints the ready line only once its ports accept, serves
// through the barrier, and on `stop` (every client ended) reports and exits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { WorkloadError } from './errors.mjs';
import { emit } from './runner.mjs';

/** Whether a TCP socket listens on `port` in this network namespace (/proc/net/tcp*, no connection made). */
export function listening(port) {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN
      if (f.length > 3 && f[1].endsWith(`:${hex}`) && f[3] === '0A') return true;
    }
  }
  return false;
}

/**
 * Serves until stopped: `start()` launches the server (its failure is the workload's), the
 * ready line follows once every port of `ports` listens (within `readyS`), `stop()`
 * after the harness's stop line returns the result fields; `failed()` says whether the
 * server died on its own (then this exits 1 at once: its clients are losing it).
 */
export async function serve(opts) {
  try {
    await serving(opts);
  } catch (err) {
    // a server holds sockets and children: end it here, or it lingers past its error
    process.stderr.write(`${opts.name}: ${err?.message ?? err}\n`);
    process.exit(err instanceof WorkloadError ? 2 : 1);
  }
}

/**
 * Polls until `ok()`: null then; `{ dead }` at once when `failed()` says why the server ended;
 * `{ timedOut: true }` after `seconds`.
 */
export async function waitFor(ok, failed, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const dead = failed();
    if (dead) return { dead };
    if (ok()) return null;
    if (Date.now() > deadline) return { timedOut: true };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function serving({ name, ports, ready, readyS = 60, start, failed, stop }) {
  await start();
  // ready: the server's own word (a cluster worker registered), else its ports listening
  const waited = await waitFor(ready ?? (() => ports.every(listening)), failed, readyS);
  if (waited?.dead) throw new Error(`the server ended before it ${ready ? 'was ready' : 'listened'}: ${waited.dead}`);
  if (waited?.timedOut && ready) throw new Error(`not ready after ${readyS} s`);
  if (waited?.timedOut)
    throw new Error(
      `nothing listens on port(s) ${ports.join(', ')} after ${readyS} s${fs.existsSync('/proc/net/tcp') ? '' : ' (no /proc/net/tcp in this worker to see it)'}`,
    );
  emit({ type: 'ready', node: process.version, pid: process.pid, t: Date.now(), ports });
  const watch = setInterval(() => {
    const dead = failed();
    if (!dead) return;
    process.stderr.write(`${name}: the server ended while serving: ${dead}\n`);
    process.exit(1);
  }, 100);
  await stopLine();
  clearInterval(watch);
  emit({ type: 'result', workload: name, verified: true, t: Date.now(), ...(await stop()) });
}

/** Resolves on the harness's `stop` line; stdin closing means the harness is gone: exit 3. */
function stopLine() {
  return new Promise((resolve) => {
    let buffered = '';
    const onEnd = () => {
      process.stderr.write('serve: stdin closed before the stop line\n');
      process.exit(3);
    };
    const onData = (chunk) => {
      buffered += chunk;
      if (!buffered.split('\n').some((l) => l.trim() === 'stop')) return;
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
      process.stdin.unref?.();
      resolve();
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}

/**
 * A server tool as a child process: `failure()` is why it ended before `stopping()` was
 * called (its missing binary, or its exit with `why` of its output's tail), `ended` settles
 * when it is gone.
 */
export function serverProcess(cmd, args, why = (out) => out.trim().split('\n').slice(-2).join(' | ')) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let failure = null;
  let stopping = false;
  const keep = (c) => {
    out = (out + c).slice(-2000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('error', (e) => {
    failure = e.code === 'ENOENT' ? `${cmd} is not installed in this worker` : e.message;
  });
  const ended = new Promise((resolve) => child.on('close', resolve));
  child.on('close', (code, signal) => {
    if (!stopping) failure ??= `${cmd} ${signal ?? `exit ${code}`}: ${why(out)}`;
  });
  return {
    child,
    ended,
    failure: () => failure,
    stopping: () => {
      stopping = true;
    },
  };
}
