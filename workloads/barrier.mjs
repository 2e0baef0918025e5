#!/usr/bin/env node
// Start gate shared by every environment: the runtime starts, says it is ready,
// and runs the workload only when a line arrives on stdin. Runtime start-up is
// thereby outside the measured time, and all workers are released together.
//   node barrier.mjs <workload>/<entry.mjs> [args...]
// A serving role (a server its clients talk to) starts at once instead: its entry prints
// the ready line itself once it accepts, and reads `go` and `stop` on stdin (lib/serve.mjs).
//   node barrier.mjs --serve <workload>/<entry.mjs> [args...]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const serve = argv[0] === '--serve';
const [entry, ...args] = serve ? argv.slice(1) : argv;
if (!entry || entry.includes('..')) {
  process.stderr.write('barrier: usage: barrier.mjs [--serve] <workload>/<entry.mjs> [args...]\n');
  process.exit(2);
}
const entryPath = path.join(here, entry);
if (serve) {
  process.argv = [process.argv[0], entryPath, ...args];
  await import(pathToFileURL(entryPath).href).catch((err) => {
    process.stderr.write(`barrier: cannot start ${entry}: ${err?.message ?? err}\n`);
    process.exit(1);
  });
} else waitForGo();

function waitForGo() {
  process.stdout.write(
    `${JSON.stringify({ type: 'ready', node: process.version, pid: process.pid, t: Date.now() })}\n`,
  );
  let buffered = '';
  const onData = (chunk) => {
    buffered += chunk;
    if (!buffered.includes('\n')) return;
    process.stdin.off('data', onData);
    process.stdin.off('end', onEnd);
    process.stdin.pause();
    process.stdin.unref?.();
    process.argv = [process.argv[0], entryPath, ...args];
    import(pathToFileURL(entryPath).href).catch((err) => {
      process.stderr.write(`barrier: cannot start ${entry}: ${err?.message ?? err}\n`);
      process.exit(1);
    });
  };
  const onEnd = () => {
    process.stderr.write('barrier: stdin closed before the start signal\n');
    process.exit(3);
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', onData);
  process.stdin.on('end', onEnd);
}
