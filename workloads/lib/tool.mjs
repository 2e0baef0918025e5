// Running a trusted tool (sysbench, fio, stress-ng) from the worker's userland and
// holding its output to account: exit status, and every parsed value a number.
import { spawn } from 'node:child_process';
import { WorkloadError } from './errors.mjs';

/** The tool failed (not the input): reported as one line with its stderr, exit 1. */
export class ToolError extends Error {}

/** Runs a tool to its end; resolves with its output, rejects with a ToolError on any failure. */
export function runTool(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', (err) =>
      reject(
        new ToolError(
          err.code === 'ENOENT'
            ? `${cmd} is not installed in this worker's userland (the worker image installs it from the manifest's packages)`
            : `${cmd}: ${err.message}`,
        ),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new ToolError(
            `${cmd} ${signal ? `was killed by ${signal}` : `exited with ${code}`}: ${(stderr || stdout).trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}

/** The number after a pattern's first group in text; a ToolError when the tool's output lacks it. */
export function parsed(text, pattern, what) {
  const m = pattern.exec(text);
  const x = m ? Number(m[1]) : Number.NaN;
  if (!Number.isFinite(x)) throw new ToolError(`could not read ${what} from the tool's output`);
  return x;
}

export { WorkloadError };
