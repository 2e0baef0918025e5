// What every workload of versus does the same way: JSON lines on stdout (phases,
// progress, one result), a checksum over numbers, one-line input errors with exit 2.
// Plain JavaScript, no dependencies: it runs on the host's node, in containers and VMs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './args.mjs';
import { WorkloadError } from './errors.mjs';
import { peakRssBytes, usableCpus } from './resources.mjs';

export function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/** Runs fn as a named phase: begin and end lines around it, its milliseconds returned. */
export async function phase(name, fn) {
  emit({ type: 'phase', phase: name, state: 'begin', t: Date.now() });
  const t0 = performance.now();
  const extra = await fn();
  const ms = performance.now() - t0;
  emit({ type: 'phase', phase: name, state: 'end', ms, t: Date.now(), ...(extra ?? {}) });
  return ms;
}

/** The result line every workload ends with. */
export function emitResult({ name, checksum, metrics, threads, ms, extra = {} }) {
  emit({
    type: 'result',
    workload: name,
    checksum,
    verified: true,
    metrics,
    threads,
    ms,
    peakRssBytes: peakRssBytes(),
    ...extra,
    t: Date.now(),
  });
}

/** Starts main(argv); a WorkloadError is one line on stderr and exit 2, a failed tool one line and exit 1, anything else a stack and exit 1. */
export function runMain(name, main) {
  main(process.argv.slice(2)).catch((err) => {
    if (err instanceof WorkloadError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err?.name === 'ToolError' || err?.constructor?.name === 'ToolError') {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`${name}: internal error: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    }
  });
}

/** 64 bits of evidence over the bytes of typed arrays: two 32-bit FNV-1a lanes. */
export function checksumOf(...arrays) {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  let i = 0;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let j = 0; j < bytes.length; j++, i++) {
      h1 = Math.imul(h1 ^ bytes[j], 0x01000193);
      h2 = Math.imul(h2 ^ bytes[j] ^ (i & 0xff), 0x01000193);
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** A workload's manifest and its parameters from argv (defaults filled in). */
export function readParams(manifestUrl, argv) {
  const manifest = JSON.parse(fs.readFileSync(manifestUrl, 'utf8'));
  return { manifest, p: parseArgs(manifest, argv) };
}

/** A workload's manifest, its parameters from argv, its threads (default: the CPUs it may use), and its start line. */
export function start(manifestUrl, argv) {
  const { manifest, p } = readParams(manifestUrl, argv);
  const threads = p.threads ?? usableCpus();
  emit({ type: 'start', workload: manifest.name, node: process.version, threads, params: p, t: Date.now() });
  return { manifest, p, threads };
}

/**
 * The data phases every HiBench-like workload has: generate into a file (unless
 * `input` names one), then load it back; the generated file is removed unless kept.
 */
export async function generateAndLoad(ms, { p, name, ext, write, read }) {
  let file = p.input;
  let generated = null;
  if (!file) {
    generated = path.join(p['work-dir'] ?? os.tmpdir(), `versus-${name}-${process.pid}.${ext}`);
    file = generated;
    ms.generate = await phase('generate', () => write(file, p));
  }
  let data;
  try {
    ms.load = await phase('load', () => {
      data = read(file);
      return data.summary;
    });
  } finally {
    if (generated && !p['keep-data']) fs.rmSync(generated, { force: true });
  }
  return data;
}
