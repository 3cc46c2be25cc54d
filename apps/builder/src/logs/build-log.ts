import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import {
  logTruncationLine,
  type ImageStatus,
  type LogStreamEntry,
} from '@velociraptor/domain';

/** Where live log batches go (Redis in production, a fake in unit tests). */
export interface LogStreamSink {
  append(imageId: string, entries: LogStreamEntry[]): Promise<void>;
  end(
    imageId: string,
    entry: Extract<LogStreamEntry, { kind: 'end' }>,
  ): Promise<void>;
}

export interface BuildLogOptions {
  flushIntervalMs: number;
  maxBatchLines: number;
  maxBytes: number;
  /** The full log is also written here, to be uploaded at the end. */
  filePath: string;
  /** Told once when the live stream cannot be written (the build goes on). */
  onSinkError?: (err: unknown) => void;
}

const RETRY_DELAY_MS = 500;
const TAIL_LINES = 30;

/**
 * The log of one build. `write` never waits: lines are numbered, appended to a
 * local file and queued; batches go to the live stream in the background, one
 * request at a time, so a slow Redis only makes batches bigger. The byte cap
 * bounds both the file and the memory a stuck stream can take.
 */
export class BuildLog {
  private seq = 0;
  private bytes = 0;
  private truncatedFlag = false;
  private pending: string[] = [];
  private pendingFirstSeq = 1;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private closed = false;
  private sinkFailed = false;
  private readonly file: WriteStream;
  private fileError: Error | undefined;
  private readonly recent: string[] = [];

  constructor(
    private readonly imageId: string,
    private readonly sink: LogStreamSink,
    private readonly opts: BuildLogOptions,
  ) {
    this.file = createWriteStream(opts.filePath, { flags: 'w' });
    this.file.on('error', (err) => {
      this.fileError = err;
    });
  }

  get lastSeq(): number {
    return this.seq;
  }

  get truncated(): boolean {
    return this.truncatedFlag;
  }

  get path(): string {
    return this.opts.filePath;
  }

  /** The last lines written, for error reports. */
  tail(): string[] {
    return [...this.recent];
  }

  write(line: string): void {
    if (this.closed || this.truncatedFlag) return;
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size > this.opts.maxBytes) {
      this.truncatedFlag = true;
      this.append(logTruncationLine(this.opts.maxBytes));
      return;
    }
    this.bytes += size;
    this.append(line);
  }

  private append(line: string): void {
    this.seq++;
    if (this.pending.length === 0) this.pendingFirstSeq = this.seq;
    this.pending.push(line);
    this.file.write(line + '\n');
    this.recent.push(line);
    if (this.recent.length > TAIL_LINES) this.recent.shift();
    if (this.pending.length >= this.opts.maxBatchLines) {
      this.schedule(0);
    } else {
      this.schedule(this.opts.flushIntervalMs);
    }
  }

  private schedule(delayMs: number): void {
    if (this.inflight) return; // the running flush picks the lines up when it ends
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inflight = this.flushOnce().finally(() => {
        this.inflight = undefined;
        if (this.pending.length > 0 && !this.closed) {
          this.schedule(
            this.sinkFailed
              ? RETRY_DELAY_MS
              : this.pending.length >= this.opts.maxBatchLines
                ? 0
                : this.opts.flushIntervalMs,
          );
        }
      });
    }, delayMs);
  }

  /** Sends everything pending as one pipelined request; puts it back on failure. */
  private async flushOnce(): Promise<void> {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    const firstSeq = this.pendingFirstSeq;
    this.pending = [];
    const entries: LogStreamEntry[] = [];
    for (let i = 0; i < lines.length; i += this.opts.maxBatchLines) {
      entries.push({
        kind: 'lines',
        seq: firstSeq + i,
        lines: lines.slice(i, i + this.opts.maxBatchLines),
      });
    }
    try {
      await this.sink.append(this.imageId, entries);
      this.sinkFailed = false;
    } catch (err) {
      if (!this.sinkFailed) this.opts.onSinkError?.(err);
      this.sinkFailed = true;
      // Keep the order: these lines go before anything written meanwhile.
      this.pending = lines.concat(this.pending);
      this.pendingFirstSeq = firstSeq;
    }
  }

  /**
   * Flushes every line, closes the file and writes the stream's end entry.
   * Live-stream failures are retried a few times, then given up on: the full
   * log still goes to the object store.
   */
  async close(status: ImageStatus): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (this.inflight) await this.inflight;
      if (this.pending.length === 0) break;
      if (attempt > 0) await delay(RETRY_DELAY_MS);
      await this.flushOnce();
    }
    this.file.end();
    if (!this.fileError) {
      await Promise.race([
        once(this.file, 'finish'),
        once(this.file, 'error').then(() => undefined),
      ]);
    }
    if (this.fileError) throw this.fileError;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.sink.end(this.imageId, {
          kind: 'end',
          status,
          lastSeq: this.seq,
          truncated: this.truncatedFlag,
        });
        return;
      } catch (err) {
        if (attempt === 4) this.opts.onSinkError?.(err);
        else await delay(RETRY_DELAY_MS);
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
