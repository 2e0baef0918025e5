/**
 * Reads what `vagrant up` prints: which machine reached which step and when, so
 * that boot time is measured per machine (start of the VM to "booted and ready")
 * without a second connection, and the tail is kept for errors. Pure apart from
 * the clock it is given.
 */
import { LineSplitter } from '../../util/lines.js';

// ANSI colour and the erase-line codes of vagrant's progress bars
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape codes is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The line each provider prints when it starts a VM, and when SSH first answers. */
const STARTED = [/^Starting domain\.?$/, /^Booting VM\.\.\.$/];
const READY = /^Machine booted and ready!?$/;
/** Lines worth a progress message (the rest is detail kept for errors). */
const NOTABLE = [
  /^Uploading base box image/,
  /^Creating domain with/,
  /^Importing base box/,
  /^Cloning VM/,
  /^Running provisioner: /,
];

export interface MachineTimes {
  startedAt: number | null;
  readyAt: number | null;
}

export class VagrantUpOutput {
  readonly machines = new Map<string, MachineTimes>();
  private readonly splitter = new LineSplitter((l) => this.line(l), /\r\n|\n|\r/);
  private readonly lines: string[] = [];

  constructor(
    private readonly onNotable: (machine: string, message: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  push(chunk: string): void {
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
  }

  private line(raw: string): void {
    const line = raw.replace(ANSI, '').trimEnd();
    if (!line.trim() || /^Progress: \d+%/.test(line.trim())) return;
    this.lines.push(line);
    if (this.lines.length > 60) this.lines.shift();
    const m = /^==> ([^:]+): (.*)$/.exec(line);
    if (!m) return;
    const [, machine, message] = m as unknown as [string, string, string];
    const times = this.machines.get(machine) ?? { startedAt: null, readyAt: null };
    this.machines.set(machine, times);
    if (STARTED.some((r) => r.test(message))) {
      times.startedAt = this.now();
      this.onNotable(machine, message);
    } else if (READY.test(message)) {
      times.readyAt = this.now();
      this.onNotable(machine, message);
    } else if (NOTABLE.some((r) => r.test(message))) this.onNotable(machine, message);
  }

  /** Seconds from VM start to SSH ready, or null when either was not seen. */
  bootSeconds(machine: string): number | null {
    const t = this.machines.get(machine);
    return t?.startedAt != null && t.readyAt != null ? (t.readyAt - t.startedAt) / 1000 : null;
  }

  /**
   * Vagrant's error: the paragraph it prints after the last machine line
   * ("==> name: …" or "    name: …"), as one line; else the last lines.
   */
  errorMessage(maxChars = 700): string {
    let start = this.lines.length;
    while (start > 0 && !/^(==> |\s+[\w.-]+: )/.test(this.lines[start - 1]!)) start--;
    const text = (start < this.lines.length ? this.lines.slice(start) : this.lines.slice(-6))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
  }

  /** The last lines, for an error message: the error vagrant printed is at the end. */
  tail(lines = 12): string {
    return this.lines.slice(-lines).join('\n');
  }
}
