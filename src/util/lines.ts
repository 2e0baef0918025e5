import { StringDecoder } from 'node:string_decoder';

/**
 * Cuts a stream into lines, whatever its chunk boundaries: the one splitter for worker
 * output, the samplers' SSH streams and the engine's stats stream. Bytes are decoded as
 * UTF-8 across chunks (a character cut between two chunks stays whole). `separator`
 * defaults to '\n'; vagrant's output also ends lines with '\r'.
 */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new StringDecoder('utf8');
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly separator: string | RegExp = '\n',
  ) {}
  push(chunk: Buffer | string): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split(this.separator);
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.onLine(l);
  }
  /** The last line, if the stream did not end with a separator. */
  end(): void {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    if (last.length > 0) this.onLine(last);
  }
}
