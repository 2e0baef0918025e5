import { LineSplitter } from '../util/lines.js';
import type { WorkerExit } from './types.js';

/**
 * The output side every backend shares: stdout split into lines (the ready line
 * resolves `ready`), the tail of stderr kept for failure reasons.
 */
export class WorkerOutput {
  readonly ready: Promise<void>;
  private resolveReady: () => void = () => {};
  private stderrText = '';
  private readonly splitter: LineSplitter;

  constructor(onLine: (line: string) => void) {
    this.ready = new Promise((r) => {
      this.resolveReady = r;
    });
    this.splitter = new LineSplitter((line) => {
      if (line.startsWith('{"type":"ready"')) this.resolveReady();
      onLine(line);
    });
  }

  stdout(chunk: Buffer | string): void {
    this.splitter.push(chunk);
  }

  stderr(chunk: Buffer | string): void {
    this.stderrText = (this.stderrText + chunk.toString()).slice(-4000);
  }

  end(): void {
    this.splitter.end();
  }

  stderrTail(chars = 1500): string {
    const t = this.stderrText.trim();
    return t.length <= chars ? t : `…${t.slice(t.length - chars)}`;
  }

  /** Resolves when ready; rejects with the exit reason if the worker ends first. */
  waitReady(worker: string, exit: Promise<WorkerExit>): Promise<void> {
    return Promise.race([
      this.ready,
      exit.then((e) => {
        throw new Error(
          `${worker} exited before it was ready: ${e.reason ?? 'exit 0'}${e.stderrTail ? ` — ${e.stderrTail}` : ''}`,
        );
      }),
    ]);
  }
}
