import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';

export const CLI = path.resolve('dist/cli.js');
export const docker = new Docker();

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `versus-${prefix}-`));
}

export async function labelledContainers(): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: ['versus.owner=versus'] } });
  return list.map((c) => c.Names[0] ?? c.Id);
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI; `during` gets the child to poke at while it runs. */
export function runCli(
  args: string[],
  during?: (child: ReturnType<typeof spawn>) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    during?.(child);
  });
}

export function readLines<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Pids of processes whose command line contains a fragment. */
export function pidsWithCmdline(fragment: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(fragment);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Pids of QEMU processes versus started (their -name carries process=versus-qemu-…). */
export function qemuPids(): number[] {
  return pidsWithCmdline('versus-qemu-');
}

/** samples.ndjson as its column names and its rows (arrays in that order). */
export function sampleTable(file: string): { cols: string[]; rows: unknown[][] } {
  const [header, ...rows] = readLines<{ columns: string[] } | unknown[]>(file);
  return { cols: (header as { columns: string[] }).columns, rows: rows as unknown[][] };
}
