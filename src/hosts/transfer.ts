// Files to a remote host over its SSH connection: single files over SFTP, folders as a
// tar stream. Both land in a temporary folder that is renamed in whole and marked
// complete, so an interrupted copy is never taken for a finished one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { SshConnection } from '../ssh/connection.js';
import { shellQuote } from '../ssh/quote.js';
import { tail } from '../util/exec.js';

const MiB = 2 ** 20;

async function mustRun(ssh: SshConnection, command: string, input?: Buffer): Promise<void> {
  const r = await ssh.run(command, input);
  if (r.code !== 0) throw new Error(`\`${command.slice(0, 80)}\` exited with ${r.code}: ${tail(r.stderr, 300)}`);
}

/** Moves dir.tmp to dir and marks it complete (run after the copy into dir.tmp). */
const commit = (dir: string) => {
  const q = shellQuote(dir);
  return `rm -rf ${q} && mv ${q}.tmp ${q} && touch ${q}/.complete`;
};

function sftpOf(ssh: SshConnection): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => ssh.client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))));
}

function fastPut(sftp: SFTPWrapper, local: string, remote: string): Promise<void> {
  return new Promise((resolve, reject) =>
    sftp.fastPut(local, remote, { concurrency: 64, chunkSize: 256 * 1024 }, (err) => (err ? reject(err) : resolve())),
  );
}

const rate = (bytes: number, since: number) => {
  const s = Math.max(0.001, (Date.now() - since) / 1000);
  return `${(bytes / MiB).toFixed(0)} MiB in ${s.toFixed(1)} s (${(bytes / MiB / s).toFixed(0)} MiB/s)`;
};

/** Copies files (by their base names) into dir on the host over SFTP. */
export async function sendFiles(
  ssh: SshConnection,
  files: readonly string[],
  dir: string,
  log: (m: string) => void = () => {},
): Promise<void> {
  await mustRun(ssh, `rm -rf ${shellQuote(`${dir}.tmp`)} && mkdir -p ${shellQuote(`${dir}.tmp`)}`);
  const sftp = await sftpOf(ssh);
  try {
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    const since = Date.now();
    log(`copying ${files.map((f) => path.basename(f)).join(', ')} (${(bytes / MiB).toFixed(0)} MiB) over SFTP`);
    for (const f of files) await fastPut(sftp, f, `${dir}.tmp/${path.basename(f)}`);
    log(`copied ${rate(bytes, since)}`);
  } finally {
    sftp.end();
  }
  await mustRun(ssh, commit(dir));
}

/** Copies the contents of localDir into dir on the host: tar here, tar there, streamed. */
export async function sendTree(
  ssh: SshConnection,
  localDir: string,
  dir: string,
  log: (m: string) => void = () => {},
): Promise<void> {
  const q = shellQuote(`${dir}.tmp`);
  const channel = await ssh.exec(`rm -rf ${q} && mkdir -p ${q} && tar -xf - -C ${q} && ${commit(dir)}`);
  const tar = spawn('tar', ['-C', localDir, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let bytes = 0;
  let remoteErr = '';
  let localErr = '';
  const since = Date.now();
  log(`copying ${localDir} as a tar stream over SSH`);
  tar.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
  });
  tar.stderr.on('data', (d: Buffer) => {
    localErr = tail(localErr + d.toString(), 300);
  });
  channel.on('data', () => {}); // read to the end: the channel closes only once its output is consumed
  channel.stderr.on('data', (d: Buffer) => {
    remoteErr = tail(remoteErr + d.toString(), 300);
  });
  tar.stdout.pipe(channel);
  const [local, remote] = await Promise.all([
    new Promise<number | null>((resolve) => tar.on('close', resolve)),
    new Promise<number | null>((resolve) => {
      let code: number | null = null;
      channel.on('exit', (c: number | null) => {
        code = c;
      });
      channel.on('close', () => resolve(code));
    }),
  ]);
  if (local !== 0) throw new Error(`tar of ${localDir} exited with ${local}: ${localErr}`);
  if (remote !== 0) throw new Error(`unpacking on the host exited with ${remote}: ${remoteErr}`);
  log(`copied ${rate(bytes, since)}`);
}
