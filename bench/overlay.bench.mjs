#!/usr/bin/env node
// What a run's segment across hosts costs (docs/hosts.md): iperf3 TCP throughput between two
// native workers on two test hosts (scripts/test-hosts.sh: network namespaces on one bridge),
// through versus — on one host (the run's bridge alone) and across the two (the bridges joined
// by the VXLAN overlay, MTU 1450) — against the anchor measured in the same rounds: the same
// Debian iperf3 run by hand between the two hosts' own addresses (their veths on the rig's
// bridge, no overlay, no worker namespace). Rounds interleave, the order rotating per round
// (this machine's speed drifts by up to 2x within minutes); ratios per round, then the median
// and the range.
//   scripts/test-hosts.sh up 2 && node bench/overlay.bench.mjs [--rounds 3] [--seconds 3]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { argOf, range } from './lib.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const rounds = Number(argOf('rounds', 3));
const seconds = Number(argOf('seconds', 3));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-overlay-bench-'));

const rigHosts = execFileSync(path.join(root, 'scripts/test-hosts.sh'), ['up', '2'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

/** A config over the given rig hosts, native only. */
function config(hosts, name) {
  const file = path.join(tmp, `${name}.yaml`);
  const entries = hosts.map((h) => ({
    name: h.name,
    ssh: { host: h.address, key: h.key, hostKey: h.hostKey, proxyCommand: h.proxyCommand },
    environments: ['native'],
    cacheDir: h.cacheDir,
  }));
  fs.writeFileSync(file, YAML.stringify({ hosts: entries }));
  return file;
}
const across = config(rigHosts, 'across');
const oneHost = config(rigHosts.slice(0, 1), 'one');

/** iperf3 through versus: two native workers (server, client), the client's Gbit/s. */
function throughVersus(file) {
  const out = path.join(tmp, `run-${Date.now()}`);
  const args = ['run', '--config', file, '--env', 'native', '--workload', 'iperf3', '--instances', '2'];
  args.push('--param', `seconds=${seconds}`, '--repetitions', '1', '--no-report', '-o', out);
  const dir = execFileSync('node', [path.join(root, 'dist/cli.js'), ...args], {
    encoding: 'utf8',
    stdio: 'pipe',
  }).trim();
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'runs.ndjson'), 'utf8').trim().split('\n')[0]);
  if (run.status !== 'ok') throw new Error(`${run.run}: ${run.reason}`);
  return run.workers.find((w) => w.role === 'client').metrics.gbitPerSecond;
}

/** The anchor: iperf3 by hand, server in h1's namespace, client in h2's, over the rig's own bridge. */
async function byHand() {
  const [h1, h2] = rigHosts;
  const port = 5301;
  const server = spawn(
    'nsenter',
    [`--net=/run/netns/vs-${h1.name}`, 'iperf3', '-s', '-1', '-B', h1.address, '-p', `${port}`],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  const json = execFileSync(
    'nsenter',
    [`--net=/run/netns/vs-${h2.name}`, 'iperf3', '-c', h1.address, '-p', `${port}`, '-t', `${seconds}`, '-J'],
    { encoding: 'utf8' },
  );
  await new Promise((r) => server.on('close', r));
  return (JSON.parse(json).end.sum_received.bits_per_second ?? 0) / 1e9;
}

const cases = {
  anchor: byHand,
  'versus, one host': async () => throughVersus(oneHost),
  'versus, across hosts': async () => throughVersus(across),
};
const got = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const names = Object.keys(cases);
for (let r = 0; r < rounds; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const name of order) got[name].push(await cases[name]());
  console.error(`round ${r + 1}: ${names.map((n) => `${n} ${got[n][r].toFixed(2)}`).join(', ')} Gbit/s`);
}
console.log(
  `iperf3 TCP, ${seconds} s a run, ${rounds} rounds interleaved; anchor: iperf3 by hand between the two test hosts`,
);
for (const name of names) {
  const ratios = got[name].map((v, i) => v / got.anchor[i]);
  console.log(`${name.padEnd(22)} ${range(got[name])} Gbit/s  ÷ anchor ${range(ratios)}`);
}
fs.rmSync(tmp, { recursive: true, force: true });
