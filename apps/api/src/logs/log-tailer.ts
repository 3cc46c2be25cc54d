import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { redisKeys } from '@velociraptor/domain';
import Redis from 'ioredis';
import { AppConfig } from '../config';
import { RedisClient } from '../redis/redis.module';
import {
  decodeAll,
  lastSeqOf,
  LogStreamReader,
  type StreamEntry,
} from './log-stream.reader';

export type TailListener = (entries: StreamEntry[]) => void;

interface Tailed {
  imageId: string;
  key: string;
  /** Stream id of the last entry handed to the listener. */
  lastId: string;
  /** Sequence number of the last line handed to the listener. */
  deliveredSeq: number;
  listener: TailListener;
}

export interface TailHandle {
  /** Sequence number of the last line already in the stream when tailing began. */
  readonly startSeq: number;
  stop(): void;
}

const BLOCK_MS = 5000;
const COUNT = 1000;

/**
 * One blocking XREAD loop per API process on its own connection, over every
 * log stream some local socket watches. Adding a stream interrupts the
 * blocked read (CLIENT UNBLOCK) so it is read from at once.
 */
@Injectable()
export class LogTailer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LogTailer.name);
  private readonly tailed = new Map<string, Tailed>();
  private connection: Redis | undefined;
  private connectionId: number | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(RedisClient) private readonly client: RedisClient,
    @Inject(LogStreamReader) private readonly reader: LogStreamReader,
  ) {}

  onModuleInit(): void {
    this.connection = new Redis(this.config.redisUrl, {
      connectionName: 'vr-api-log-tail',
      maxRetriesPerRequest: null,
    });
    this.connection.on('error', () => undefined);
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.connection?.disconnect();
    await this.loop?.catch(() => undefined);
  }

  /**
   * Calls `listener` with every entry added to the image's stream after this
   * call started. One listener per image; the caller fans out.
   */
  async tail(imageId: string, listener: TailListener): Promise<TailHandle> {
    if (this.tailed.has(imageId)) {
      throw new Error(`log stream of ${imageId} is tailed already`);
    }
    const last = await this.reader.last(imageId);
    if (this.tailed.has(imageId)) {
      // Another tail of the same stream began while we looked at it.
      throw new Error(`log stream of ${imageId} is tailed already`);
    }
    const state: Tailed = {
      imageId,
      key: redisKeys.logStream(imageId),
      lastId: last?.id ?? '0-0',
      deliveredSeq: last ? lastSeqOf(last.entry) : 0,
      listener,
    };
    this.tailed.set(imageId, state);
    this.interrupt();
    return {
      startSeq: state.deliveredSeq,
      stop: () => {
        if (this.tailed.get(imageId) === state) this.tailed.delete(imageId);
      },
    };
  }

  private interrupt(): void {
    if (this.wake) {
      this.wake();
      return;
    }
    if (this.connectionId !== undefined) {
      this.client.redis
        .client('UNBLOCK', this.connectionId)
        .catch(() => undefined);
    }
  }

  private async run(): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    while (!this.stopped) {
      try {
        if (this.connectionId === undefined) {
          this.connectionId = (await connection.client('ID')) as number;
        }
        if (this.tailed.size === 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const streams = [...this.tailed.values()];
        const result = (await connection.xread(
          'COUNT',
          COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...streams.map((s) => s.key),
          ...streams.map((s) => s.lastId),
        )) as [key: string, entries: [string, string[]][]][] | null;
        for (const [key, raw] of result ?? []) {
          const state = streams.find((s) => s.key === key);
          // Stopped (or replaced) while the read was in flight.
          if (!state || this.tailed.get(state.imageId) !== state) continue;
          if (raw.length === 0) continue;
          state.lastId = raw[raw.length - 1][0];
          const entries = decodeAll(raw);
          for (const e of entries)
            state.deliveredSeq = Math.max(
              state.deliveredSeq,
              lastSeqOf(e.entry),
            );
          try {
            state.listener(entries);
          } catch (err) {
            this.logger.error(
              `log listener of ${state.imageId} failed: ${String(err)}`,
            );
          }
          if (entries.some((e) => e.entry.kind === 'end')) {
            this.tailed.delete(state.imageId);
          }
        }
      } catch (err) {
        if (this.stopped) return;
        // UNBLOCK ends the read with an error on some versions; anything else is an outage.
        const message = String(err);
        if (!/UNBLOCKED/i.test(message)) {
          this.logger.warn(`log tail read failed, retrying: ${message}`);
          this.connectionId = undefined;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    }
  }
}
