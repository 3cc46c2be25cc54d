import { Inject, Injectable } from '@nestjs/common';
import {
  decodeLogStreamEntry,
  encodeLogStreamEntry,
  redisKeys,
  type ImageStatus,
  type LogStreamEntry,
} from '@velociraptor/domain';
import { RedisClient } from '../redis/redis.module';

export interface StreamEntry {
  id: string;
  entry: LogStreamEntry;
}

type RawEntries = [id: string, fields: string[]][];

const PAGE = 200;

/** Reads the live log stream a builder writes (`redisKeys.logStream`). */
@Injectable()
export class LogStreamReader {
  constructor(@Inject(RedisClient) private readonly client: RedisClient) {}

  /** Every entry now in the stream, oldest first, page by page. */
  async *entries(imageId: string): AsyncGenerator<StreamEntry[]> {
    const key = redisKeys.logStream(imageId);
    let start = '-';
    for (;;) {
      const page = (await this.client.redis.xrange(
        key,
        start,
        '+',
        'COUNT',
        PAGE,
      )) as RawEntries;
      if (page.length === 0) return;
      yield decodeAll(page);
      if (page.length < PAGE) return;
      start = '(' + page[page.length - 1][0];
    }
  }

  /** The newest entry, or null when the stream does not exist. */
  async last(imageId: string): Promise<StreamEntry | null> {
    const page = (await this.client.redis.xrevrange(
      redisKeys.logStream(imageId),
      '+',
      '-',
      'COUNT',
      1,
    )) as RawEntries;
    if (page.length === 0) return null;
    const [id, fields] = page[0];
    const entry = decodeLogStreamEntry(fields);
    return entry
      ? { id, entry }
      : { id, entry: { kind: 'lines', seq: 1, lines: [] } };
  }

  /** The last `count` lines of the stream (for failure notices). */
  async tail(imageId: string, count: number): Promise<string[]> {
    const key = redisKeys.logStream(imageId);
    const lines: string[] = [];
    let end = '+';
    // Newest entries first, a page at a time, until enough lines are in hand.
    for (let pages = 0; pages < 20 && lines.length < count; pages++) {
      const page = (await this.client.redis.xrevrange(
        key,
        end,
        '-',
        'COUNT',
        20,
      )) as RawEntries;
      if (page.length === 0) break;
      for (const { entry } of decodeAll(page)) {
        if (entry.kind === 'lines') lines.unshift(...entry.lines);
      }
      end = '(' + page[page.length - 1][0];
    }
    return lines.slice(-count);
  }

  /**
   * Ends the log of a build whose builder cannot (it died, or the build never
   * started): an optional last line, then the end entry, so watchers are told
   * the log is over. Does nothing when the stream has ended already.
   */
  async finish(
    imageId: string,
    status: ImageStatus,
    retentionSeconds: number,
    finalLine?: string,
  ): Promise<void> {
    const key = redisKeys.logStream(imageId);
    const last = await this.last(imageId);
    if (last?.entry.kind === 'end') return;
    let lastSeq = last ? lastSeqOf(last.entry) : 0;
    const multi = this.client.redis.multi();
    if (finalLine !== undefined) {
      multi.xadd(
        key,
        '*',
        ...encodeLogStreamEntry({
          kind: 'lines',
          seq: lastSeq + 1,
          lines: [finalLine],
        }),
      );
      lastSeq++;
    }
    multi.xadd(
      key,
      '*',
      ...encodeLogStreamEntry({
        kind: 'end',
        status,
        lastSeq,
        truncated: false,
      }),
    );
    multi.expire(key, retentionSeconds);
    await multi.exec();
  }
}

export function decodeAll(page: RawEntries): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const [id, fields] of page) {
    const entry = decodeLogStreamEntry(fields);
    if (entry) out.push({ id, entry });
  }
  return out;
}

/** Sequence number of the last line an entry carries (or ends at). */
export function lastSeqOf(entry: LogStreamEntry): number {
  return entry.kind === 'lines'
    ? entry.seq + entry.lines.length - 1
    : entry.lastSeq;
}
