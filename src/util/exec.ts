import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: ExecResult,
  ) {
    super(message);
  }
}

/** Runs a program (never through a shell), collecting output; rejects on non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    onStdout?: (s: string) => void;
    onStderr?: (s: string) => void;
    timeoutMs?: number;
    allowFail?: boolean;
    /** aborting stops the program (SIGTERM) and rejects */
    signal?: AbortSignal;
  } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
    child.stdout.on('data', (d: Buffer) => {
      const s = d.toString();
      stdout += s;
      opts.onStdout?.(s);
    });
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      opts.onStderr?.(s);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new CommandError(err.code === 'ENOENT' ? `${cmd}: command not found` : `${cmd}: ${err.message}`, {
          code: null,
          stdout,
          stderr,
        }),
      );
    });
    child.on('close', (code) => {
      if (opts.signal?.aborted) {
        clearTimeout(timer);
        reject(new CommandError(`${cmd}: interrupted`, { code, stdout, stderr }));
        return;
      }
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (code === 0 || opts.allowFail) resolve(result);
      else
        reject(
          new CommandError(`${cmd} ${args.join(' ')} exited with ${code}: ${tail(stderr || stdout, 600)}`, result),
        );
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export function tail(text: string, chars: number): string {
  const t = text.trim();
  return t.length <= chars ? t : `…${t.slice(t.length - chars)}`;
}

export async function which(cmd: string): Promise<string | null> {
  const r = await run('sh', ['-c', 'command -v "$1"', 'sh', cmd], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The first line a program prints of its version, or null when it is not installed. */
export async function versionOf(cmd: string, args: string[], env?: Record<string, string>): Promise<string | null> {
  if (!(await which(cmd))) return null;
  const r = await run(cmd, args, { allowFail: true, timeoutMs: 10_000, env: env && { ...process.env, ...env } });
  return (r.stdout || r.stderr).split('\n')[0]!.trim();
}
