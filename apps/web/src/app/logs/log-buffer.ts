import {
  DEFAULT_STYLE,
  parseAnsiLine,
  scanAnsiLine,
  type AnsiLine,
  type AnsiStyle,
} from './ansi';

/**
 * The lines of one build log, kept in plain arrays outside Angular's change detection so a
 * 200,000-line log costs a few arrays, not 200,000 reactive objects.
 *
 * Sequence numbers start at 1 and line `seq` sits at index `seq - 1`. Batches can arrive twice
 * (a replay after a reconnect overlaps what we had) or out of order (a live batch overtaking the
 * replay); duplicates are dropped and early lines wait in `pending` until the gap before them fills,
 * so the buffer always holds lines 1..lastSeq without holes.
 */
export class LogBuffer {
  private readonly raw: string[] = [];
  private readonly plain: string[] = [];
  private readonly receivedAt: number[] = [];
  /** Style at the start of a line, stored only where it is not the default (colours rarely span lines). */
  private readonly startStyles = new Map<number, AnsiStyle>();
  private endStyle: AnsiStyle = DEFAULT_STYLE;
  private readonly pending = new Map<number, { text: string; at: number }>();

  /** Number of contiguous lines held; also the last sequence number seen without a gap. */
  get length(): number {
    return this.raw.length;
  }

  get lastSeq(): number {
    return this.raw.length;
  }

  /** Lines received after a gap, waiting for the lines before them. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Adds a batch; returns how many lines became visible (0 for a pure duplicate). */
  append(
    firstSeq: number,
    lines: readonly string[],
    receivedAt = Date.now(),
  ): number {
    if (!Number.isInteger(firstSeq) || firstSeq < 1) {
      throw new Error(`log batch with invalid firstSeq ${firstSeq}`);
    }
    const before = this.raw.length;
    for (let i = 0; i < lines.length; i++) {
      const seq = firstSeq + i;
      if (seq <= this.raw.length) continue; // already have it
      if (seq === this.raw.length + 1) this.push(lines[i], receivedAt);
      else if (!this.pending.has(seq))
        this.pending.set(seq, { text: lines[i], at: receivedAt });
    }
    this.drainPending();
    return this.raw.length - before;
  }

  clear(): void {
    this.raw.length = 0;
    this.plain.length = 0;
    this.receivedAt.length = 0;
    this.startStyles.clear();
    this.pending.clear();
    this.endStyle = DEFAULT_STYLE;
  }

  /** Raw line (with escape sequences) at a 0-based index. */
  rawLine(index: number): string {
    return this.raw[index] ?? '';
  }

  /** The line's text without escape sequences, for search and copy. */
  plainLine(index: number): string {
    return this.plain[index] ?? '';
  }

  /** The parsed, styled line at a 0-based index (parsed on demand: only visible rows need it). */
  styledLine(index: number): AnsiLine {
    return parseAnsiLine(
      this.rawLine(index),
      this.startStyles.get(index) ?? DEFAULT_STYLE,
    );
  }

  /** When the browser received the line (epoch ms). */
  receivedTime(index: number): number {
    return this.receivedAt[index] ?? 0;
  }

  /** The raw log text as received, one line per row. */
  toText(): string {
    return this.raw.length === 0 ? '' : this.raw.join('\n') + '\n';
  }

  /** Calls `visit` with each plain line from `from` on; used by search. */
  plainLines(): readonly string[] {
    return this.plain;
  }

  private push(text: string, at: number): void {
    const index = this.raw.length;
    if (this.endStyle !== DEFAULT_STYLE)
      this.startStyles.set(index, this.endStyle);
    const parsed = scanAnsiLine(text, this.endStyle);
    this.raw.push(text);
    this.plain.push(parsed.plain);
    this.receivedAt.push(at);
    this.endStyle = parsed.endStyle;
  }

  private drainPending(): void {
    for (;;) {
      const next = this.pending.get(this.raw.length + 1);
      if (next === undefined) break;
      this.pending.delete(this.raw.length + 1);
      this.push(next.text, next.at);
    }
    // Anything at or below lastSeq in pending is now a duplicate.
    for (const seq of this.pending.keys())
      if (seq <= this.raw.length) this.pending.delete(seq);
  }
}
