import type { ClientChannel } from 'ssh2';
import type { SshConnection } from '../ssh/connection.js';
import { type CpuTimes, machineReading, parseMeminfo, parseProcStat } from './procstat.js';
import type { Reading, Sampler } from './types.js';

const MARK = '@@versus';

/**
 * The loop that runs inside the guest for the whole run: bash builtins only, so
 * sampling forks nothing per interval (read -t on an idle pipe is the sleep).
 */
export function guestSamplerScript(intervalMs: number): string {
  const seconds = (intervalMs / 1000).toFixed(3);
  return [
    'exec 3<> <(:)',
    'while :; do',
    `  printf '%s\\n' '${MARK}'`,
    '  while IFS= read -r l; do case "$l" in cpu*) printf "%s\\n" "$l";; esac; done < /proc/stat',
    '  while IFS= read -r l; do case "$l" in MemTotal:*|MemFree:*|MemAvailable:*|Buffers:*|Cached:*) printf "%s\\n" "$l";; esac; done < /proc/meminfo',
    `  read -t ${seconds} -u 3 _`,
    'done',
  ].join('\n');
}

/** Splits the loop's output into blocks and turns consecutive blocks into readings. Pure apart from the clock. */
export class GuestStreamParser {
  private lines: string[] = [];
  private prev: CpuTimes | null = null;
  private rest = '';

  constructor(
    private readonly allocCpus: number,
    private readonly onReading: (r: Reading) => void,
    private readonly onError: (e: Error) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    for (const line of parts) {
      if (line === MARK) this.flush();
      else this.lines.push(line);
    }
  }

  private flush(): void {
    const block = this.lines.join('\n');
    this.lines = [];
    if (!block.trim()) return;
    try {
      const stat = parseProcStat(block);
      const mem = parseMeminfo(block);
      if (this.prev) this.onReading(machineReading(this.prev, stat, mem, this.now(), this.allocCpus));
      this.prev = stat.total;
    } catch (err) {
      this.onError(err as Error);
    }
  }
}

/** /proc/stat and /proc/meminfo inside a VM, over one long-running SSH command. */
export class GuestSampler implements Sampler {
  readonly source = 'guest' as const;
  readonly formula =
    'guest /proc/stat deltas: user=(user+nice), system=(system+irq+softirq), iowait, steal, idle over their sum; % of the VM vCPUs';
  private channel: ClientChannel | null = null;

  constructor(
    readonly worker: string,
    private readonly ssh: SshConnection,
    private readonly allocCpus: number,
    private readonly intervalMs: number,
  ) {}

  async start(onReading: (r: Reading) => void, onError: (err: Error) => void): Promise<void> {
    const parser = new GuestStreamParser(this.allocCpus, onReading, onError);
    const script = guestSamplerScript(this.intervalMs);
    this.channel = await this.ssh.exec(`exec bash -c ${"'"}${script.replace(/'/g, `'\\''`)}${"'"}`);
    this.channel.setEncoding('utf8');
    this.channel.on('data', (d: string) => parser.push(d));
    this.channel.on('error', onError);
  }

  async stop(): Promise<void> {
    const ch = this.channel;
    this.channel = null;
    if (!ch) return;
    ch.signal?.('KILL');
    ch.close();
  }
}
