import { StringDecoder } from 'node:string_decoder';

/** Longest line we hold back; longer output is cut into pieces so memory stays bounded. */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Turns a byte stream into lines as the bytes arrive. UTF-8 sequences split
 * across chunks are kept intact; '\r\n' counts as one line end.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly maxLineLength = MAX_LINE_LENGTH) {}

  push(chunk: Buffer | string): string[] {
    const text =
      this.pending +
      (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split('\n');
    this.pending = parts.pop() ?? '';
    const lines = parts.map(stripCarriageReturn);
    while (this.pending.length > this.maxLineLength) {
      lines.push(this.pending.slice(0, this.maxLineLength));
      this.pending = this.pending.slice(this.maxLineLength);
    }
    return lines;
  }

  /** The final unterminated line, if any. */
  flush(): string[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest === '' ? [] : [stripCarriageReturn(rest)];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
