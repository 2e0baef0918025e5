#!/usr/bin/env node
// stress-ng through versus: its YAML metrics, checked and reported as metrics.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from '../lib/args.mjs';
import { emit, emitResult, phase, runMain } from '../lib/runner.mjs';
import { runTool, ToolError } from '../lib/tool.mjs';

const manifest = JSON.parse(fs.readFileSync(new URL('./workload.json', import.meta.url), 'utf8'));

/** The first stressor's "key: number" fields of stress-ng's --yaml metrics section. */
export function yamlMetrics(text) {
  const section = text.slice(text.indexOf('\nmetrics:'));
  const out = {};
  for (const m of section.matchAll(/^\s+-?\s*([\w-]+):\s*([-\d.eE+]+)\s*$/gm)) {
    if (out[m[1]] === undefined) out[m[1]] = Number(m[2]);
  }
  return out;
}

async function main(argv) {
  const p = parseArgs(manifest, argv);
  emit({ type: 'start', workload: manifest.name, threads: p.threads, params: p, t: Date.now() });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'versus-stress-ng-'));
  const yaml = path.join(dir, 'metrics.yaml');
  let text;
  let m;
  const ms = {};
  try {
    ms.run = await phase('run', async () => {
      await runTool('stress-ng', [
        `--${p.stressor}`,
        String(p.threads),
        '--timeout',
        `${p.seconds}s`,
        '--metrics',
        '--yaml',
        yaml,
        '--temp-path',
        dir,
      ]);
    });
    text = fs.readFileSync(yaml, 'utf8');
    m = yamlMetrics(text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const need = ['bogo-ops-per-second-real-time', 'bogo-ops-per-second-usr-sys-time', 'user-time', 'system-time'];
  for (const k of need) if (!Number.isFinite(m[k])) throw new ToolError(`stress-ng: its metrics lack ${k}`);
  const version = (/stress-ng-version:\s*([\d.]+)/.exec(text) ?? [])[1] ?? '';
  emitResult({
    name: manifest.name,
    checksum: `stress-ng ${version} ${p.stressor}`.trim(),
    threads: p.threads,
    ms,
    metrics: {
      bogoOpsPerSecond: m['bogo-ops-per-second-real-time'],
      bogoOpsPerCpuSecond: m['bogo-ops-per-second-usr-sys-time'],
      systemPct: (100 * m['system-time']) / Math.max(1e-9, m['user-time'] + m['system-time']),
    },
  });
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url).pathname))
  runMain(manifest.name, main);
