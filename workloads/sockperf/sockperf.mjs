#!/usr/bin/env node
// sockperf ping-pong through versus: one server worker, each client measures round trips
// to it; the client's percentiles are the metrics.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRoleArgs } from '../lib/args.mjs';
import { emitResult, phase, runMain, start } from '../lib/runner.mjs';
import { serve, serverProcess } from '../lib/serve.mjs';
import { parsed, runTool, ToolError } from '../lib/tool.mjs';

const MANIFEST = new URL('./workload.json', import.meta.url);

runMain('sockperf', async (argv) => {
  const { role, argv: own } = parseRoleArgs(argv);
  if (role.role === 'server') await server(role);
  else await client(role, own);
});

async function server(role) {
  // one address with -i/-p serves one TCP connection at a time: a connection file with
  // epoll serves every client at once
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockperf-'));
  const conf = path.join(dir, 'server.conf');
  fs.writeFileSync(conf, `T:${role.listen}:${role.port}\n`);
  // its errors go to stdout: the tail of both says why it ended
  const srv = serverProcess('sockperf', ['server', '-f', conf, '-F', 'epoll'], (out) => lastErrors(plain(out)));
  await serve({
    name: 'sockperf server',
    ports: [role.port],
    start: async () => {},
    failed: srv.failure,
    stop: async () => {
      srv.stopping();
      srv.child.kill('SIGINT');
      await srv.ended;
      fs.rmSync(dir, { recursive: true, force: true });
      return { checksum: 'sockperf server', metrics: {}, threads: 1, ms: {} };
    },
  });
}

/** The ERROR lines of sockperf's output, or its last line. */
function lastErrors(text) {
  const lines = text.trim().split('\n');
  const errors = lines.filter((l) => l.includes('ERROR'));
  return (errors.length ? errors : lines.slice(-1)).join(' | ').slice(-400);
}

/** sockperf colours its summary: the escapes go before parsing. */
const ESC = String.fromCharCode(27);
const plain = (text) =>
  text
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
    .join('');

async function client(role, argv) {
  const { manifest, p } = start(MANIFEST, argv);
  const peer = role.peers[0];
  if (!peer) throw new ToolError('no server endpoint given (--peers)');
  const args = ['ping-pong', '--tcp', '--full-rtt', '-i', peer.host, '-p', String(peer.port)];
  args.push('-t', String(p.seconds), '-m', String(p['message-bytes']));
  const ms = {};
  let out;
  ms.run = await phase('run', async () => {
    out = await runTool('sockperf', args);
  });
  const text = plain(`${out.stdout}\n${out.stderr}`);
  const valid = /\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/.exec(text);
  if (!valid) throw new ToolError('sockperf reported no valid duration');
  emitResult({
    name: manifest.name,
    checksum: `sockperf tcp ping-pong ${p['message-bytes']} B`,
    threads: 1,
    ms,
    metrics: {
      p50Us: parsed(text, /percentile 50\.000 =\s*([\d.]+)/, 'the median'),
      p99Us: parsed(text, /percentile 99\.000 =\s*([\d.]+)/, 'the 99th percentile'),
      meanUs: parsed(text, /avg-rtt=([\d.]+)/, 'the mean round trip'),
      roundTripsPerSecond: Number(valid[3]) / Number(valid[1]),
    },
    extra: { server: `${peer.host}:${peer.port}` },
  });
}
