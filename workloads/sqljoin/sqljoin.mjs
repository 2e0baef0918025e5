#!/usr/bin/env node
// SQL join workload for versus (HiBench's join query): two CSV tables through the
// disk, then filter, hash join, group-by and order-by. Plain JavaScript, no
// dependencies; stdout carries JSON lines only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../lib/args.mjs';
import { checksumOf, emit, emitResult, phase, runMain } from '../lib/runner.mjs';
import { joinQuery, resultText } from './query.mjs';
import { readRankings, readVisits, writeTables } from './tables.mjs';

const manifest = JSON.parse(fs.readFileSync(new URL('./workload.json', import.meta.url), 'utf8'));

async function main(argv) {
  const p = parseArgs(manifest, argv);
  emit({ type: 'start', workload: manifest.name, node: process.version, threads: 1, params: p, t: Date.now() });
  const ms = {};
  let dir = p['input-dir'];
  let generated = null;
  if (!dir) {
    generated = fs.mkdtempSync(path.join(p['work-dir'] ?? os.tmpdir(), 'versus-sqljoin-'));
    dir = generated;
    ms.generate = await phase('generate', () => writeTables(dir, p));
  }
  let rankings;
  let visits;
  try {
    ms.load = await phase('load', () => {
      rankings = readRankings(path.join(dir, 'rankings.csv'));
      visits = readVisits(path.join(dir, 'uservisits.csv'));
      return { rankings: rankings.size, uservisits: visits.n };
    });
  } finally {
    if (generated && !p['keep-data']) fs.rmSync(generated, { recursive: true, force: true });
  }
  let rows;
  ms.query = await phase('query', () => {
    rows = joinQuery(rankings, visits, p.from, p.to);
    return { rows: rows.length };
  });
  emitResult({
    name: manifest.name,
    checksum: checksumOf(Buffer.from(resultText(rows))),
    threads: 1,
    ms,
    metrics: {
      rowsPerSecond: visits.n / (ms.query / 1000),
      querySeconds: ms.query / 1000,
      loadSeconds: ms.load / 1000,
      resultRows: rows.length,
    },
    extra: { top: rows.slice(0, 10) },
  });
}

runMain(manifest.name, main);
