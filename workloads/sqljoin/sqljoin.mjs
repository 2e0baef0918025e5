#!/usr/bin/env node
// SQL join workload for versus (HiBench's join query): two CSV tables through the
// disk, then filter, hash join, group-by and order-by (the probe and the group-by on
// every thread). Plain JavaScript, no dependencies; stdout carries JSON lines only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checksumOf, emitResult, phase, runMain, start } from '../lib/runner.mjs';
import { JoinQuery, resultText } from './query.mjs';
import { readRankings, readVisits, writeTables } from './tables.mjs';

async function main(argv) {
  const { manifest, p, threads } = start(new URL('./workload.json', import.meta.url), argv);
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
      return { rankings: rankings.n, uservisits: visits.n };
    });
  } finally {
    if (generated && !p['keep-data']) fs.rmSync(generated, { recursive: true, force: true });
  }
  let rows;
  const query = await JoinQuery.open(rankings, visits, threads);
  try {
    ms.query = await phase('query', async () => {
      rows = await query.run(p.from, p.to);
      return { rows: rows.length };
    });
  } finally {
    await query.close();
  }
  emitResult({
    name: manifest.name,
    checksum: checksumOf(Buffer.from(resultText(rows))),
    threads: query.threads,
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

runMain('sqljoin', main);
