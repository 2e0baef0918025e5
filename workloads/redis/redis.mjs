#!/usr/bin/env node
// Redis through versus: one redis-server worker (no persistence), each client runs
// redis-benchmark's SET and GET against it; the server's key count afterwards verifies
// that the SETs arrived.
import { parseRoleArgs } from '../lib/args.mjs';
import { emitResult, phase, runMain, start } from '../lib/runner.mjs';
import { serve, serverProcess } from '../lib/serve.mjs';
import { runTool, ToolError } from '../lib/tool.mjs';

const MANIFEST = new URL('./workload.json', import.meta.url);

runMain('redis', async (argv) => {
  const { role, argv: own } = parseRoleArgs(argv);
  if (role.role === 'server') await server(role);
  else await client(role, own);
});

async function server(role) {
  // protected mode refuses clients from other addresses without a password: the segment is the run's own
  const args = ['--port', String(role.port), '--bind', role.listen, '--protected-mode', 'no'];
  args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', '/tmp');
  const srv = serverProcess('redis-server', args);
  const cli = (...a) => runTool('redis-cli', ['-h', '127.0.0.1', '-p', String(role.port), ...a]);
  await serve({
    name: 'redis server',
    ports: [role.port],
    start: async () => {},
    failed: srv.failure,
    stop: async () => {
      const keys = Number((await cli('dbsize')).stdout.trim());
      srv.stopping();
      await cli('shutdown', 'nosave').catch(() => srv.child.kill());
      await srv.ended;
      return {
        verified: Number.isInteger(keys) && keys > 0,
        checksum: 'redis server',
        metrics: { keys },
        threads: 1,
        ms: {},
      };
    },
  });
}

/** redis-benchmark --csv: one row per test, the header naming the columns. */
export function parseCsv(text) {
  const rows = text
    .trim()
    .split('\n')
    .map((l) => l.split(',').map((f) => f.replace(/^"|"$/g, '')));
  const header = rows.find((r) => r[0] === 'test');
  if (!header) throw new ToolError('redis-benchmark printed no CSV header');
  const out = {};
  for (const r of rows.filter((x) => x !== header && x.length === header.length))
    out[r[0]] = Object.fromEntries(header.slice(1).map((h, i) => [h, Number(r[i + 1])]));
  return out;
}

async function client(role, argv) {
  const { manifest, p } = start(MANIFEST, argv);
  const peer = role.peers[0];
  if (!peer) throw new ToolError('no server endpoint given (--peers)');
  const args = ['-h', peer.host, '-p', String(peer.port), '-t', 'set,get', '-n', String(p.requests)];
  args.push('-c', String(p.connections), '-P', String(p.pipeline), '-r', String(p.keyspace), '--csv');
  const ms = {};
  let out;
  ms.run = await phase('run', async () => {
    out = await runTool('redis-benchmark', args);
  });
  const t = parseCsv(out.stdout);
  if (!t.SET || !t.GET)
    throw new ToolError(`redis-benchmark reported no SET and GET rows: ${out.stdout.slice(0, 200)}`);
  const us = (ms) => ms * 1000;
  emitResult({
    name: manifest.name,
    checksum: `redis-benchmark set,get x${p.pipeline}`,
    threads: 1,
    ms,
    metrics: {
      getPerSecond: t.GET.rps,
      setPerSecond: t.SET.rps,
      getP50Us: us(t.GET.p50_latency_ms),
      getP99Us: us(t.GET.p99_latency_ms),
      setP50Us: us(t.SET.p50_latency_ms),
      setP99Us: us(t.SET.p99_latency_ms),
    },
    extra: { server: `${peer.host}:${peer.port}` },
  });
}
