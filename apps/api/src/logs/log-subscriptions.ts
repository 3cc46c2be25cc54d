import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  isFinished,
  type ImageStatus,
  type LogEndPayload,
  type LogLinesPayload,
} from '@velociraptor/domain';
import { LogArchive } from './log-archive';
import { LogStreamReader, type StreamEntry } from './log-stream.reader';
import { LogTailer, type TailHandle } from './log-tailer';

/** One socket, as the subscriptions see it. */
export interface LogWatcher {
  readonly id: string;
  sendLines(payload: LogLinesPayload): void;
  sendEnd(payload: LogEndPayload): void;
  join(room: string): void;
  leave(room: string): void;
}

/** Sends to every local socket in a room at once (the payload is encoded once). */
export interface RoomBroadcaster {
  lines(room: string, payload: LogLinesPayload): void;
  end(room: string, payload: LogEndPayload): void;
}

export interface ImageLogInfo {
  status: ImageStatus;
  logKey: string | null;
}

/** How the subscriptions find an image's status and archived log. */
export abstract class ImageLogLookup {
  abstract find(imageId: string): Promise<ImageLogInfo | null>;
}

export const LOG_BROADCASTER = Symbol('LOG_BROADCASTER');

type SubState = 'replaying' | 'catching-up' | 'live';

interface Sub {
  watcher: LogWatcher;
  lastSeq: number;
  state: SubState;
  pending: StreamEntry[];
  ended: boolean;
  removed: boolean;
}

interface Channel {
  imageId: string;
  room: string;
  ready: Promise<void>;
  closed: boolean;
  handle: TailHandle | undefined;
  /** Sequence number of the last line the tailer handed out (or that was in the stream when tailing began). */
  deliveredSeq: number;
  subs: Map<string, Sub>;
}

const REPLAY_BATCH = 1000;
const TRUNCATION_PREFIX = '[velociraptor] log truncated:';

export function logRoom(imageId: string): string {
  return `log:${imageId}`;
}

/**
 * Who watches which log in this process. A subscription first replays what
 * is already written (the Redis stream, or the archived log once the stream
 * has expired) while live entries are held back for it; then it catches up
 * directly and finally joins the image's room, where live batches are sent to
 * all its sockets at once. Every line carries its sequence number and a
 * subscription never sends a line at or below the last one it sent, so the
 * hand-over has no gap and no duplicate.
 */
@Injectable()
export class LogSubscriptions {
  private readonly logger = new Logger(LogSubscriptions.name);
  private readonly channels = new Map<string, Channel>();
  private readonly byWatcher = new Map<string, Set<string>>();

  constructor(
    @Inject(LogStreamReader) private readonly reader: LogStreamReader,
    @Inject(LogTailer) private readonly tailer: LogTailer,
    @Inject(LogArchive) private readonly archive: LogArchive,
    @Inject(ImageLogLookup) private readonly images: ImageLogLookup,
    @Inject(LOG_BROADCASTER) private readonly broadcast: RoomBroadcaster,
  ) {}

  /**
   * Registers the subscription and starts its replay; resolves once the
   * subscription is in place (the replay goes on in the background).
   */
  async subscribe(
    watcher: LogWatcher,
    imageId: string,
    afterSeq = 0,
  ): Promise<void> {
    const image = await this.images.find(imageId);
    if (!image) throw new NotFoundException(`image ${imageId} not found`);
    this.unsubscribe(watcher, imageId);
    let channel = this.channel(imageId);
    await channel.ready;
    // Closed while we waited (its last watcher left): take a fresh one.
    while (channel.closed) {
      channel = this.channel(imageId);
      await channel.ready;
    }
    const sub: Sub = {
      watcher,
      lastSeq: Math.max(0, Math.floor(afterSeq)),
      state: 'replaying',
      pending: [],
      ended: false,
      removed: false,
    };
    channel.subs.set(watcher.id, sub);
    let ids = this.byWatcher.get(watcher.id);
    if (!ids) this.byWatcher.set(watcher.id, (ids = new Set()));
    ids.add(imageId);
    this.replay(channel, sub).catch((err: unknown) => {
      this.logger.warn(
        `replaying the log of ${imageId} failed: ${String(err)}`,
      );
      // Live lines still reach the watcher; it can resubscribe to fill a gap.
      if (!sub.removed) this.finishReplay(channel, sub);
    });
  }

  unsubscribe(watcher: LogWatcher, imageId: string): void {
    this.byWatcher.get(watcher.id)?.delete(imageId);
    const channel = this.channels.get(imageId);
    if (channel) this.remove(channel, watcher.id);
  }

  disconnect(watcher: LogWatcher): void {
    for (const imageId of [...(this.byWatcher.get(watcher.id) ?? [])]) {
      this.unsubscribe(watcher, imageId);
    }
    this.byWatcher.delete(watcher.id);
  }

  /** Number of channels this process tails (for tests and metrics). */
  get channelCount(): number {
    return this.channels.size;
  }

  private channel(imageId: string): Channel {
    const existing = this.channels.get(imageId);
    if (existing) return existing;
    const channel: Channel = {
      imageId,
      room: logRoom(imageId),
      ready: Promise.resolve(),
      closed: false,
      handle: undefined,
      deliveredSeq: 0,
      subs: new Map(),
    };
    channel.ready = this.tailer
      .tail(imageId, (entries) => this.onEntries(channel, entries))
      .then(
        (handle) => {
          channel.handle = handle;
          channel.deliveredSeq = handle.startSeq;
          if (channel.closed) handle.stop();
        },
        (err: unknown) => {
          this.close(channel);
          throw err;
        },
      );
    this.channels.set(imageId, channel);
    return channel;
  }

  private close(channel: Channel): void {
    channel.closed = true;
    channel.handle?.stop();
    if (this.channels.get(channel.imageId) === channel) {
      this.channels.delete(channel.imageId);
    }
  }

  private async replay(channel: Channel, sub: Sub): Promise<void> {
    let sawStream = false;
    for await (const page of this.reader.entries(channel.imageId)) {
      if (sub.removed) return;
      sawStream = true;
      for (const e of page) this.deliver(channel, sub, e);
      if (sub.ended) break;
    }
    if (!sawStream && !sub.ended) {
      // No stream: the build has not written yet, or its stream expired.
      const image = await this.images.find(channel.imageId);
      if (image && isFinished(image.status)) {
        let lastLine = '';
        if (image.logKey) {
          try {
            for await (const batch of this.archive.batches(
              image.logKey,
              REPLAY_BATCH,
            )) {
              if (sub.removed) return;
              lastLine = batch.lines[batch.lines.length - 1] ?? lastLine;
              this.deliver(channel, sub, {
                id: '',
                entry: {
                  kind: 'lines',
                  seq: batch.firstSeq,
                  lines: batch.lines,
                },
              });
            }
          } catch (err) {
            this.logger.warn(
              `archived log ${image.logKey} cannot be read: ${String(err)}`,
            );
          }
        }
        this.deliver(channel, sub, {
          id: '',
          entry: {
            kind: 'end',
            status: image.status,
            lastSeq: sub.lastSeq,
            truncated: lastLine.startsWith(TRUNCATION_PREFIX),
          },
        });
      }
    }
    if (!sub.removed) this.finishReplay(channel, sub);
  }

  /** Synchronous, so no live batch slips between the held-back entries and joining the room. */
  private finishReplay(channel: Channel, sub: Sub): void {
    if (sub.state !== 'replaying') return;
    const pending = sub.pending;
    sub.pending = [];
    for (const e of pending) this.deliver(channel, sub, e);
    sub.state = 'catching-up';
    this.settle(channel, sub);
  }

  private onEntries(channel: Channel, entries: StreamEntry[]): void {
    let ended = false;
    // Consecutive batches read together go out as one message: fewer frames per socket when busy.
    let firstSeq = 0;
    let lines: string[] = [];
    const flush = () => {
      if (lines.length === 0) return;
      this.broadcast.lines(channel.room, {
        imageId: channel.imageId,
        firstSeq,
        lines,
      });
      lines = [];
    };
    for (const e of entries) {
      if (e.entry.kind === 'lines') {
        if (e.entry.lines.length === 0) continue;
        channel.deliveredSeq = Math.max(
          channel.deliveredSeq,
          e.entry.seq + e.entry.lines.length - 1,
        );
        if (lines.length > 0 && firstSeq + lines.length === e.entry.seq) {
          lines = lines.concat(e.entry.lines);
        } else {
          flush();
          firstSeq = e.entry.seq;
          lines = e.entry.lines;
        }
      } else {
        flush();
        ended = true;
        this.broadcast.end(channel.room, {
          imageId: channel.imageId,
          status: e.entry.status,
          lastSeq: e.entry.lastSeq,
          truncated: e.entry.truncated,
        });
      }
    }
    flush();
    for (const sub of [...channel.subs.values()]) {
      if (sub.state === 'replaying') {
        sub.pending.push(...entries);
      } else if (sub.state === 'catching-up') {
        for (const e of entries) this.deliver(channel, sub, e);
        this.settle(channel, sub);
      } else if (ended) {
        // Live subscribers got the end through the room.
        sub.ended = true;
        this.settle(channel, sub);
      }
    }
  }

  /** Moves a caught-up subscription into the room, or drops an ended one. */
  private settle(channel: Channel, sub: Sub): void {
    if (sub.ended) {
      this.remove(channel, sub.watcher.id);
      this.byWatcher.get(sub.watcher.id)?.delete(channel.imageId);
      return;
    }
    if (sub.state === 'catching-up' && channel.deliveredSeq >= sub.lastSeq) {
      sub.state = 'live';
      sub.watcher.join(channel.room);
    }
  }

  private deliver(channel: Channel, sub: Sub, e: StreamEntry): void {
    if (sub.ended) return;
    const entry = e.entry;
    if (entry.kind === 'end') {
      sub.ended = true;
      sub.watcher.sendEnd({
        imageId: channel.imageId,
        status: entry.status,
        lastSeq: Math.max(entry.lastSeq, sub.lastSeq),
        truncated: entry.truncated,
      });
      return;
    }
    const last = entry.seq + entry.lines.length - 1;
    if (last <= sub.lastSeq) return;
    const skip = Math.max(0, sub.lastSeq + 1 - entry.seq);
    sub.watcher.sendLines({
      imageId: channel.imageId,
      firstSeq: entry.seq + skip,
      lines: skip ? entry.lines.slice(skip) : entry.lines,
    });
    sub.lastSeq = last;
  }

  private remove(channel: Channel, watcherId: string): void {
    const sub = channel.subs.get(watcherId);
    if (!sub) return;
    sub.removed = true;
    if (sub.state === 'live') sub.watcher.leave(channel.room);
    channel.subs.delete(watcherId);
    if (channel.subs.size === 0) this.close(channel);
  }
}
