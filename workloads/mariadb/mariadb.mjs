#!/usr/bin/env node
// MariaDB through versus (Felter et al.'s MySQL question): one mariadb-server worker whose
// database sysbench prepares before the barrier, clients running sysbench oltp_read_write
// against it. Verified on the server afterwards: CHECK TABLE, every table still holding its
// rows (oltp_read_write deletes and re-inserts) and table checksums that moved (the writes
// arrived). The rows themselves differ from run to run: sysbench's --rand-seed does not make
// prepare reproducible (its threads share libc random(), sysbench issue #524).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRoleArgs } from '../lib/args.mjs';
import { emitResult, phase, readParams, runMain, start } from '../lib/runner.mjs';
import { listening, serve, serverProcess, waitFor } from '../lib/serve.mjs';
import { runTool, ToolError, WorkloadError } from '../lib/tool.mjs';
import { parseReport, verdict } from './report.mjs';

const MANIFEST = new URL('./workload.json', import.meta.url);
// the run's own segment carries nothing else: one fixed account the clients log in with
const USER = 'sbtest';
const PASSWORD = 'versus';
const SERVER_READY_S = 120;

runMain('mariadb', async (argv) => {
  const { role, argv: own } = parseRoleArgs(argv);
  if (role.role === 'server') await server(role, own);
  else await client(role, own);
});

/** sysbench's options that name the database and its shape, for prepare and run alike. */
function shapeArgs(p) {
  return [`--tables=${p.tables}`, `--table-size=${p['table-size']}`, '--db-driver=mysql', '--mysql-db=sbtest'];
}

async function server(role, argv) {
  const { p } = readParams(MANIFEST, argv); // a server prints no start line: its ready line is its first
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-mariadb-'));
  const socket = path.join(dir, 'mysqld.sock');
  const sql = (statement) =>
    runTool('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-N', '-B', '-e', statement]).then((r) => r.stdout);
  const tables = Array.from({ length: p.tables }, (_, i) => `sbtest.sbtest${i + 1}`);
  let srv = null;
  let before = null;
  let aio = true;
  const ms = {};
  await serve({
    name: 'mariadb server',
    ports: [role.port],
    readyS: SERVER_READY_S,
    start: async () => {
      const t0 = Date.now();
      aio = await installDb(dir);
      srv = serverProcess('mariadbd', [
        '--no-defaults',
        ...(aio ? [] : ['--innodb-use-native-aio=0']),
        `--datadir=${dir}/data`,
        `--socket=${socket}`,
        `--port=${role.port}`,
        `--bind-address=${role.listen}`,
        '--user=root',
        '--skip-name-resolve',
        '--skip-log-bin',
        `--innodb-buffer-pool-size=${p['buffer-pool-mib']}M`,
        `--max-connections=${Math.max(151, role.clients * p.connections + 10)}`,
      ]);
      await untilListening(socket, role.port, srv.failure);
      await sql(
        `CREATE DATABASE sbtest; CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON sbtest.* TO '${USER}'@'%';`,
      );
      await runTool('sysbench', [
        'oltp_read_write',
        ...shapeArgs(p),
        `--mysql-socket=${socket}`,
        ...login(),
        'prepare',
      ]);
      before = await checksums(sql, tables);
      ms.prepare = Date.now() - t0;
    },
    failed: () => srv?.failure() ?? null,
    stop: async () => {
      const after = await checksums(sql, tables);
      const checks = await sql(`CHECK TABLE ${tables.join(', ')}`);
      const counts = await sql(tables.map((t) => `SELECT COUNT(*) FROM ${t};`).join(' '));
      srv.stopping();
      await runTool('mariadb-admin', ['--no-defaults', '-S', socket, '-uroot', 'shutdown']).catch(() =>
        srv.child.kill(),
      );
      await srv.ended;
      fs.rmSync(dir, { recursive: true, force: true });
      const problems = verdict(tables, before, after, checks, counts, p['table-size']);
      return {
        verified: problems.length === 0,
        checksum: `mariadb server ${p.tables}x${p['table-size']}`,
        metrics: { tablesChanged: tables.filter((t) => before.get(t) !== after.get(t)).length, nativeAio: aio ? 1 : 0 },
        threads: 1,
        ms,
        ...(problems.length ? { reason: problems.join('; ') } : {}),
      };
    },
  });
}

/**
 * A fresh data folder; whether InnoDB may use the kernel's native AIO. A kernel that refuses
 * it (gVisor's: mariadb-install-db aborts) gets InnoDB's own I/O threads instead, and the
 * server's `nativeAio` metric says so (0), since that changes what is measured.
 */
async function installDb(dir) {
  const install = (...extra) =>
    runTool('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${dir}/data`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...extra,
    ]);
  try {
    await install();
    return true;
  } catch (err) {
    fs.rmSync(`${dir}/data`, { recursive: true, force: true });
    await install('--innodb-use-native-aio=0').catch(() => {
      throw err; // the first failure is the one to report
    });
    return false;
  }
}

/** Waits for mariadbd's socket and port; fails at once when it died, or after SERVER_READY_S. */
async function untilListening(socket, port, failure) {
  const waited = await waitFor(() => fs.existsSync(socket) && listening(port), failure, SERVER_READY_S);
  if (waited?.dead) throw new ToolError(waited.dead);
  if (waited?.timedOut) throw new ToolError(`waited ${SERVER_READY_S} s for mariadbd to listen`);
}

function login() {
  return [`--mysql-user=${USER}`, `--mysql-password=${PASSWORD}`];
}

/** CHECKSUM TABLE … EXTENDED of each table, by name. */
async function checksums(sql, tables) {
  const out = await sql(`CHECKSUM TABLE ${tables.join(', ')} EXTENDED`);
  return new Map(
    out
      .trim()
      .split('\n')
      .map((line) => line.split('\t')),
  );
}

async function client(role, argv) {
  const { manifest, p } = start(MANIFEST, argv);
  if (p.events === 0 && p.seconds === 0)
    throw new WorkloadError('--events and --seconds are both 0: the run would not end');
  const peer = role.peers[0];
  if (!peer) throw new ToolError('no server endpoint given (--peers)');
  const args = ['oltp_read_write', ...shapeArgs(p), `--mysql-host=${peer.host}`, `--mysql-port=${peer.port}`];
  args.push(
    ...login(),
    `--threads=${p.connections}`,
    `--events=${p.events}`,
    `--time=${p.seconds}`,
    '--percentile=95',
    'run',
  );
  const ms = {};
  let out;
  ms.run = await phase('run', async () => {
    out = await runTool('sysbench', args);
  });
  const metrics = parseReport(out.stdout);
  // --events counts the client's transactions over all its threads
  if (p.events > 0 && p.seconds === 0 && metrics.transactions !== p.events)
    throw new ToolError(`sysbench committed ${metrics.transactions} transactions, not ${p.events}`);
  emitResult({
    name: manifest.name,
    checksum: `sysbench oltp_read_write ${p.tables}x${p['table-size']}`,
    threads: p.connections,
    ms,
    metrics,
    extra: { server: `${peer.host}:${peer.port}` },
  });
}
