import type { ImageStatus, LogEndPayload } from '@velociraptor/domain';
import { LogBuffer } from './log-buffer';
import type { LogTransport } from './log-transport';

export interface LogStreamState {
  /** The server said the log is complete (and we hold every line up to its lastSeq). */
  ended: boolean;
  endStatus: ImageStatus | null;
  truncated: boolean;
  /** The subscription was refused (no permission, unknown image, …). */
  error: string | null;
}

/** How many times a gap reported by `log:end` is retried before giving up. */
const MAX_GAP_RETRIES = 3;

/**
 * Follows one image's log over the socket. (Re)subscribes on every connection with the last
 * sequence number it holds, so a reconnect resumes without gaps; the buffer drops the overlap.
 */
export class LogStream {
  readonly buffer = new LogBuffer();
  private readonly cleanups: (() => void)[] = [];
  private gapRetries = 0;
  private stopped = false;
  private current: LogStreamState = {
    ended: false,
    endStatus: null,
    truncated: false,
    error: null,
  };

  constructor(
    private readonly transport: LogTransport,
    readonly imageId: string,
    /** Called after new lines arrived or the state changed (the view batches its rendering). */
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): LogStreamState {
    return this.current;
  }

  start(): void {
    this.cleanups.push(
      this.transport.onConnect(() => this.subscribe()),
      this.transport.onLines((payload) => {
        if (payload.imageId !== this.imageId) return;
        if (this.buffer.append(payload.firstSeq, payload.lines, this.now()) > 0)
          this.changed();
      }),
      this.transport.onEnd((payload) => {
        if (payload.imageId === this.imageId) this.handleEnd(payload);
      }),
    );
    if (this.transport.isConnected()) this.subscribe();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.transport.isConnected())
      this.transport.unsubscribeLog(this.imageId);
  }

  private subscribe(): void {
    if (this.stopped) return;
    const afterSeq = this.buffer.lastSeq;
    this.transport.subscribeLog({ imageId: this.imageId, afterSeq }).then(
      (ack) => {
        if (!ack.ok) this.update({ error: ack.error });
        else if (this.current.error !== null) this.update({ error: null });
      },
      (error: unknown) =>
        this.update({
          error: error instanceof Error ? error.message : String(error),
        }),
    );
  }

  private handleEnd(payload: LogEndPayload): void {
    if (
      payload.lastSeq > this.buffer.lastSeq &&
      this.gapRetries < MAX_GAP_RETRIES
    ) {
      // Lines are missing before the end (a batch lost across a reconnect): ask for them again.
      this.gapRetries++;
      this.subscribe();
      return;
    }
    this.update({
      ended: true,
      endStatus: payload.status,
      truncated: payload.truncated,
    });
  }

  private update(patch: Partial<LogStreamState>): void {
    this.current = { ...this.current, ...patch };
    this.changed();
  }
}
