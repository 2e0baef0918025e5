// A sampler that is a shell loop on another machine (a VM's guest, a remote host, a
// process there), streamed over one long-running SSH command on a connection of its
// own, so losing it never touches the workload's. A lost connection is reopened with
// backoff; the first reading after it carries gapS, the seconds without data.
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from '../ssh/connection.js';
import type { Reading, Sampler, SampleSource } from './types.js';

/** How long start() waits for a loop's first block before it lets the run go on without it. */
const FIRST_BLOCK_MS = 10_000;

/** Delays between reconnection attempts of a sampler whose connection was lost. */
export function backoffMs(attempt: number): number {
  return Math.min(5000, 250 * 2 ** attempt);
}

/** Turns the loop's output into readings; `done` once what it watches has ended (no reconnect). */
export interface LoopParser {
  push(chunk: string): void;
  readonly done?: boolean;
}

export abstract class ShellLoopSampler implements Sampler {
  abstract readonly source: SampleSource;
  abstract readonly formula: string;
  private ssh: SshConnection | null = null;
  private channel: ClientChannel | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** reconnections so far, for tests and the run record */
  reconnects = 0;

  constructor(
    readonly worker: string,
    private readonly connect: () => Promise<SshConnection>,
  ) {}

  /** the bash program that prints the readings' raw text forever */
  protected abstract script(): string;
  protected abstract parser(onReading: (r: Reading) => void, onError: (err: Error) => void): LoopParser;

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    await this.open(onReading, onError, null);
  }

  private async open(
    onReading: (r: Reading) => void,
    onError: (err: Error) => void,
    lostAt: number | null,
  ): Promise<void> {
    const ssh = await this.connect();
    if (this.stopped) {
      ssh.close();
      return;
    }
    this.ssh = ssh;
    let gapPending = lostAt;
    const parser = this.parser((r) => {
      if (gapPending !== null) {
        onReading({ ...r, gapS: (r.at - gapPending) / 1000 });
        gapPending = null;
      } else onReading(r);
    }, onError);
    const channel = await ssh.exec(`exec bash -c '${this.script().replace(/'/g, `'\\''`)}'`);
    this.channel = channel;
    channel.setEncoding('utf8');
    let lastData = Date.now();
    let firstData: () => void = () => {};
    const flowing = new Promise<void>((resolve) => {
      firstData = resolve;
    });
    channel.on('data', (d: string) => {
      lastData = Date.now();
      firstData();
      parser.push(d);
    });
    channel.on('error', () => {});
    const lost = () => {
      if (this.stopped || this.channel !== channel) return;
      this.channel = null;
      ssh.close();
      if (parser.done) return; // what it watched has ended: nothing more to see
      onError(new Error(`${this.worker}: ${this.source} sampler connection lost; reconnecting`));
      this.reconnect(onReading, onError, lastData, 0);
    };
    channel.on('close', lost);
    ssh.client.on('close', lost);
    // started = the loop's first block is here (its baseline), so a run released now loses
    // nothing of its start; a loop that says nothing for FIRST_BLOCK_MS is left to catch up
    await Promise.race([flowing, new Promise((r) => setTimeout(r, FIRST_BLOCK_MS).unref())]);
  }

  private reconnect(
    onReading: (r: Reading) => void,
    onError: (err: Error) => void,
    lostAt: number,
    attempt: number,
  ): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      if (this.stopped) return;
      try {
        await this.open(onReading, onError, lostAt);
        this.reconnects++;
      } catch {
        this.reconnect(onReading, onError, lostAt, attempt + 1);
      }
    }, backoffMs(attempt));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const ch = this.channel;
    this.channel = null;
    ch?.signal?.('KILL');
    ch?.close();
    this.ssh?.close();
    this.ssh = null;
  }
}
