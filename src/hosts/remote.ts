// One remote host for an experiment: a persistent SSH connection (commands, the
// engine's API socket forwarded per request), its facts, its clock offset, and the
// workloads folder delivered to it. Every error names the host.
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { GuestSampler } from '../sampling/guestSampler.js';
import { SshConnection, type SshTarget } from '../ssh/connection.js';
import { shellQuote } from '../ssh/quote.js';
import { withTimeout } from '../util/timeout.js';
import { type WorkloadBundle, workloadsTar } from '../workload/bundle.js';
import { bestOffset, type ClockOffset, type ClockProbe, parseEpochNs } from './clock.js';
import type { HostConfig } from './schema.js';
import { sendFiles, sendTree } from './transfer.js';

/** A host failed: unreachable, engine down, connection lost. The message names it. */
export class HostError extends Error {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`host ${host}: ${message}`);
  }
}

export interface RemoteHost {
  readonly name: string;
  readonly config: HostConfig;
  readonly target: SshTarget;
  /** the experiment's command connection (not the samplers': they have their own) */
  readonly ssh: SshConnection;
  readonly cpus: number;
  readonly kernel: string;
  readonly clock: ClockOffset;
  /** a stream to a UNIX socket on the host (its engine's API) */
  openSocket(path: string): Promise<ClientChannel>;
  /** runs a command; a non-zero exit is a HostError with its stderr */
  run(command: string, input?: Buffer | string): Promise<string>;
  /** versus's folder on the host */
  readonly cacheDir: string;
  /** the workloads folder on the host, copied once per bundle hash */
  deliverWorkloads(bundle: WorkloadBundle): Promise<string>;
  /** copies files to a folder on the host over SFTP, once: skipped when the folder is complete */
  deliverFiles(files: readonly string[], dir: string, log?: (m: string) => void): Promise<void>;
  /** copies a folder of this machine to the host (a tar stream over SSH), once */
  deliverTree(localDir: string, dir: string, log?: (m: string) => void): Promise<void>;
  /** a new connection to the host (a sampler's own) */
  connect(): Promise<SshConnection>;
  /** a byte stream to a TCP port on the host's loopback (a VM's forwarded SSH), through its connection */
  tunnel(port: number): Promise<Duplex>;
  /** the host's own /proc/stat view, on a connection of its own */
  sampler(intervalMs: number): GuestSampler;
  /** what experiment.json records */
  facts(): Record<string, unknown>;
  close(): void;
}

export function hostTarget(h: HostConfig): SshTarget {
  let privateKey: Buffer;
  try {
    privateKey = fs.readFileSync(h.ssh.key);
  } catch (err) {
    throw new HostError(h.name, `cannot read its SSH key ${h.ssh.key} (${(err as NodeJS.ErrnoException).code})`);
  }
  return {
    host: h.ssh.host,
    port: h.ssh.port,
    username: h.ssh.user,
    privateKey,
    pinnedHostKey: h.ssh.hostKey,
    proxyCommand: h.ssh.proxyCommand,
    keepaliveMs: h.ssh.keepaliveS * 1000,
  };
}

const where = (h: HostConfig) => `${h.ssh.user}@${h.ssh.host}:${h.ssh.port}`;

/**
 * Probes on one open channel (a shell answering each line with the time): a probe's
 * round trip is the network's and a fork's, not an SSH session's set-up.
 */
async function clockOf(ssh: SshConnection, rounds = 7): Promise<ClockOffset> {
  const ch = await ssh.exec('while read -r _; do date +%s%N; done');
  ch.setEncoding('utf8');
  let buffered = '';
  let waiting: ((line: string) => void) | null = null;
  ch.on('data', (d: string) => {
    buffered += d;
    const i = buffered.indexOf('\n');
    if (i >= 0 && waiting) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const w = waiting;
      waiting = null;
      w(line);
    }
  });
  const probes: ClockProbe[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      const sentMs = Date.now();
      const line = await withTimeout(
        new Promise<string>((resolve) => {
          waiting = resolve;
          ch.write('x\n');
        }),
        10_000,
        () => new Error('no answer to a clock probe within 10 s'),
      );
      probes.push({ sentMs, receivedMs: Date.now(), remoteMs: parseEpochNs(line) });
    }
  } finally {
    ch.end();
    ch.close();
  }
  return bestOffset(probes);
}

export async function openHost(config: HostConfig, timeoutMs = config.ssh.connectTimeoutS * 1000): Promise<RemoteHost> {
  const target = hostTarget(config);
  let ssh: SshConnection;
  try {
    ssh = await SshConnection.connect(target, timeoutMs);
  } catch (err) {
    throw new HostError(config.name, `unreachable over SSH (${where(config)}): ${(err as Error).message}`);
  }
  const pinned = ssh.pinnedTarget;
  const run = async (command: string, input?: Buffer | string) => {
    const r = await ssh.run(command, input).catch((err: Error) => {
      throw new HostError(config.name, `SSH connection lost (${err.message})`);
    });
    if (r.code !== 0)
      throw new HostError(
        config.name,
        `\`${command.slice(0, 60)}\` exited with ${r.code}: ${r.stderr.trim().slice(0, 300)}`,
      );
    return r.stdout;
  };
  try {
    const [cpus, kernel] = (await run('nproc; uname -r')).trim().split('\n');
    const clock = await clockOf(ssh);
    const home = (await run('printf %s "$HOME"')).trim() || '/root';
    const cacheDir = config.cacheDir ?? `${home}/.cache/versus`;
    const connect = () => SshConnection.connect(pinned, Math.min(10_000, timeoutMs));
    const once = async (dir: string, copy: () => Promise<void>) => {
      if ((await ssh.run(`test -e ${shellQuote(dir)}/.complete`)).code === 0) return;
      await copy().catch((err: Error) => {
        throw err instanceof HostError ? err : new HostError(config.name, `copying to ${dir} failed: ${err.message}`);
      });
    };
    return {
      name: config.name,
      config,
      target: pinned,
      ssh,
      cpus: Number(cpus) || 1,
      kernel: kernel ?? '',
      clock,
      run,
      openSocket: (path) =>
        new Promise((resolve, reject) =>
          ssh.client.openssh_forwardOutStreamLocal(path, (err, stream) =>
            err ? reject(new HostError(config.name, `cannot reach ${path} (${err.message})`)) : resolve(stream),
          ),
        ),
      cacheDir,
      connect,
      deliverFiles: (files, dir, log) => once(dir, () => sendFiles(ssh, files, dir, log)),
      deliverTree: (localDir, dir, log) => once(dir, () => sendTree(ssh, localDir, dir, log)),
      tunnel: (port) =>
        new Promise((resolve, reject) =>
          ssh.client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, stream) =>
            err
              ? reject(new HostError(config.name, `cannot reach its port ${port} (${err.message})`))
              : resolve(stream),
          ),
        ),
      async deliverWorkloads(bundle) {
        const dir = `${cacheDir}/bundles/${bundle.hash.slice(0, 16)}`;
        const q = shellQuote(dir);
        // the archive holds workloads/…: unpacked beside the target, then moved in whole
        await run(
          `test -e ${q}/.complete || { rm -rf ${q}.tmp && mkdir -p ${q}.tmp && tar -xf - -C ${q}.tmp && rm -rf ${q} && mv ${q}.tmp/workloads ${q} && rm -rf ${q}.tmp && touch ${q}/.complete; }`,
          await workloadsTar(bundle),
        );
        return dir;
      },
      sampler: (intervalMs) => new GuestSampler(config.name, connect, Number(cpus) || 1, intervalMs, 2000, 'host'),
      facts: () => ({
        ssh: where(config),
        ...(config.ssh.proxyCommand ? { proxyCommand: config.ssh.proxyCommand } : {}),
        hostKey: ssh.hostKey,
        cpus: Number(cpus) || 1,
        kernel,
        clockOffsetMs: Math.round(clock.offsetMs * 10) / 10,
        clockRttMs: Math.round(clock.rttMs * 10) / 10,
        environments: config.environments,
      }),
      close: () => ssh.close(),
    };
  } catch (err) {
    ssh.close();
    throw err;
  }
}
