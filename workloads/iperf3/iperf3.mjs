#!/usr/bin/env node
// iperf3 through versus. The server worker runs one `iperf3 -s -1` per client (an iperf3
// server serves one test at a time), on its port + the client's rank; each client streams
// to its own. Both sides report what they counted; the client's numbers are the metrics.
import { spawn } from 'node:child_process';
import { parseRoleArgs } from '../lib/args.mjs';
import { emitResult, phase, runMain, start } from '../lib/runner.mjs';
import { serve } from '../lib/serve.mjs';
import { runTool, ToolError } from '../lib/tool.mjs';

const MANIFEST = new URL('./workload.json', import.meta.url);
const STOP_GRACE_MS = 10_000;

runMain('iperf3', async (argv) => {
  const { role, argv: own } = parseRoleArgs(argv);
  if (role.role === 'server') await server(role);
  else await client(role, own);
});

/** One one-off iperf3 server per client; stopped: what each received (or sent, reversed). */
async function server(role) {
  const children = Array.from({ length: role.clients }, (_, k) => oneOff(role.listen, role.port + k));
  await serve({
    name: 'iperf3 server',
    ports: children.map((c) => c.port),
    start: async () => {},
    failed: () => children.map((c) => c.failure()).find(Boolean) ?? null,
    stop: async () => {
      const reports = await Promise.all(children.map((c) => c.report()));
      const bytes = reports.reduce((a, r) => a + (r?.end?.sum_received?.bytes ?? 0), 0);
      const unserved = reports.filter((r) => r === null).length;
      return {
        verified: unserved === 0,
        checksum: `iperf3 server ${children.length}`,
        metrics: { serverMiB: bytes / 2 ** 20, clientsServed: reports.length - unserved },
        threads: 1,
        ms: {},
        ...(unserved ? { reason: `${unserved} of ${children.length} iperf3 server(s) saw no test` } : {}),
      };
    },
  });
}

/** `iperf3 -s -1 -J` on a port: its failure (exit ≠ 0) as it happens, its JSON once it ended. */
function oneOff(listen, port) {
  const child = spawn('iperf3', ['-s', '-1', '-J', '-B', listen, '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let failure = null;
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  const ended = new Promise((resolve) => {
    child.on('error', (e) => {
      failure = e.code === 'ENOENT' ? 'iperf3 is not installed in this worker' : e.message;
      resolve();
    });
    child.on('close', (code, signal) => {
      if (code !== 0 && !child.stoppedByUs)
        failure = `iperf3 -s -p ${port} ${signal ?? `exit ${code}`}: ${(err || out).trim().slice(-300)}`;
      resolve();
    });
  });
  return {
    port,
    failure: () => failure,
    /** its JSON report; null when no client ever ran a test against it */
    report: async () => {
      // its client has ended: a one-off server ends by itself once it wrote its report
      // (slowly in a sandbox); only one that never saw its client is stopped
      const grace = setTimeout(() => {
        child.stoppedByUs = true;
        child.kill('SIGTERM');
      }, STOP_GRACE_MS);
      await ended;
      clearTimeout(grace);
      try {
        const j = JSON.parse(out);
        return j.end?.sum_received ? j : null;
      } catch {
        return null;
      }
    },
  };
}

async function client(role, argv) {
  const { manifest, p } = start(MANIFEST, argv);
  const peer = role.peers[0];
  if (!peer) throw new ToolError('no server endpoint given (--peers)');
  const args = [
    '-c',
    peer.host,
    '-p',
    String(peer.port + role.rank),
    '-t',
    String(p.seconds),
    '-P',
    String(p.streams),
    '-J',
  ];
  if (p.reverse) args.push('-R');
  const ms = {};
  let out;
  ms.run = await phase('run', async () => {
    out = await runTool('iperf3', args);
  });
  let j;
  try {
    j = JSON.parse(out.stdout);
  } catch {
    throw new ToolError('iperf3 -J printed no JSON');
  }
  if (j.error) throw new ToolError(`iperf3: ${j.error}`);
  const received = j.end?.sum_received;
  const sent = j.end?.sum_sent;
  if (!received || !sent) throw new ToolError('iperf3 reported no totals (end.sum_received, end.sum_sent)');
  emitResult({
    name: manifest.name,
    checksum: `iperf3 ${j.start?.version ?? '?'} tcp`,
    threads: 1,
    ms,
    metrics: {
      gbitPerSecond: received.bits_per_second / 1e9,
      retransmits: sent.retransmits ?? 0,
      mibMoved: received.bytes / 2 ** 20,
    },
    extra: { sentBytes: sent.bytes, receivedBytes: received.bytes, server: `${peer.host}:${peer.port + role.rank}` },
  });
}
