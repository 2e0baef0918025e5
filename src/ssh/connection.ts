import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: Buffer;
  /**
   * base64 of the server's public key blob; a different key is refused. null
   * (boxes we did not build) accepts the first key and records it in `hostKey`,
   * so later connections can pin it.
   */
  pinnedHostKey: string | null;
  /**
   * argv of a command whose stdin and stdout reach the server (OpenSSH's ProxyCommand,
   * e.g. a jump host, or `ip netns exec NS …` into a network namespace); absent: TCP to host:port
   */
  proxyCommand?: readonly string[] | null;
  /**
   * opens the byte stream to the server another way (a VM's forwarded port on a remote host,
   * reached through that host's SSH connection); absent: proxyCommand or TCP
   */
  tunnel?: (() => Promise<Duplex>) | null;
  /** keepalive interval; six unanswered in a row end the connection (default 5 s) */
  keepaliveMs?: number;
}

/** The proxy command's stdio as one duplex stream for ssh2's `sock`; the process dies with the connection. */
function proxySocket(argv: readonly string[]): Duplex {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  sock.on('close', () => child.kill());
  child.on('error', (err) => sock.destroy(err));
  child.on('exit', () => sock.push(null));
  return sock;
}

export class HostKeyMismatch extends Error {}

/** SHA256:… as OpenSSH prints fingerprints. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** One persistent SSH connection with a pinned host key and keepalives. */
export class SshConnection {
  closed = false;
  /** base64 of the key the server presented */
  hostKey = '';

  private constructor(
    readonly client: Client,
    readonly target: SshTarget,
  ) {}

  static async connect(target: SshTarget, timeoutMs = 20_000, signal?: AbortSignal): Promise<SshConnection> {
    const tunnel = target.tunnel ? await target.tunnel() : null;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        tunnel?.destroy();
        return reject(signal.reason);
      }
      const client = new Client();
      let settled = false;
      // a dead machine behind a live port forward never finishes the handshake: give up at once
      const onAbort = () => {
        if (settled) return;
        settled = true;
        client.destroy();
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let mismatch: string | null = null;
      let seenKey = '';
      const config: ConnectConfig = {
        host: target.host,
        port: target.port,
        ...(tunnel ? { sock: tunnel } : target.proxyCommand?.length ? { sock: proxySocket(target.proxyCommand) } : {}),
        username: target.username,
        privateKey: target.privateKey,
        readyTimeout: timeoutMs,
        keepaliveInterval: target.keepaliveMs ?? 5000,
        keepaliveCountMax: 6,
        hostVerifier: (key: Buffer) => {
          seenKey = key.toString('base64');
          const ok = target.pinnedHostKey === null || seenKey === target.pinnedHostKey;
          if (!ok) mismatch = fingerprint(key);
          return ok;
        },
      };
      client.once('ready', () => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) {
          client.end();
          return;
        }
        settled = true;
        const conn = new SshConnection(client, target);
        conn.hostKey = seenKey;
        client.on('close', () => {
          conn.closed = true;
        });
        resolve(conn);
      });
      // A persistent listener: ssh2 may emit more than one error, and after 'ready'
      // an error means the connection is lost (channels then close on their own).
      client.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) {
          return;
        }
        settled = true;
        client.end();
        if (mismatch) {
          reject(
            new HostKeyMismatch(
              `${target.host}:${target.port}: host key ${mismatch} does not match the pinned key ${fingerprint(Buffer.from(target.pinnedHostKey ?? '', 'base64'))}; refusing to connect`,
            ),
          );
        } else reject(err);
      });
      client.connect(config);
    });
  }

  /** Retries until the server answers (a booting VM refuses or resets connections) or the deadline passes. */
  static async waitFor(
    target: SshTarget,
    deadline: number,
    isAlive: () => boolean = () => true,
    /** aborting ends the wait at once, rejecting with the signal's reason */
    signal?: AbortSignal,
  ): Promise<SshConnection> {
    let last: Error | null = null;
    while (Date.now() < deadline) {
      signal?.throwIfAborted();
      if (!isAlive())
        throw new Error(`the machine behind ${target.host}:${target.port} went away while waiting for SSH`);
      try {
        // A forwarded port accepts before anything listens behind it (QEMU's user network): a
        // handshake begun then waits out its whole timeout. The server's banner says it listens.
        if (!target.tunnel && !target.proxyCommand?.length && !(await bannerSeen(target.host, target.port, 3000))) {
          last = new Error('no SSH banner yet');
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        return await SshConnection.connect(target, Math.max(1000, Math.min(20_000, deadline - Date.now())), signal);
      } catch (err) {
        if (err instanceof HostKeyMismatch || signal?.aborted) throw err;
        last = err as Error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    throw new Error(
      `no SSH answer on ${target.host}:${target.port} before the deadline (${last?.message ?? 'no attempt'})`,
    );
  }

  exec(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => (err ? reject(err) : resolve(channel)));
    });
  }

  /** Runs a command to completion, collecting its output. */
  async run(
    command: string,
    input?: Buffer | string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const ch = await this.exec(command);
    let stdout = '';
    let stderr = '';
    ch.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    ch.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const done = new Promise<number | null>((resolve) => {
      let code: number | null = null;
      ch.on('exit', (c: number | null) => {
        code = c;
      });
      ch.on('close', () => resolve(code));
    });
    ch.end(input);
    return { code: await done, stdout, stderr };
  }

  /** The target of further connections to the same server: its host key pinned to the one seen now. */
  get pinnedTarget(): SshTarget {
    return { ...this.target, pinnedHostKey: this.target.pinnedHostKey ?? this.hostKey };
  }

  close(): void {
    this.client.end();
  }
}

/** Whether an SSH server's identification line ("SSH-2.0-…") arrives on host:port within ms. */
export function bannerSeen(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let got = '';
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(ms, () => done(false));
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.length >= 4) done(got.startsWith('SSH-'));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}
