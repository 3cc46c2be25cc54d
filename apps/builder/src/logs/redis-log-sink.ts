import { Inject, Injectable } from '@nestjs/common';
import {
  encodeLogStreamEntry,
  redisKeys,
  type LogStreamEntry,
} from '@velociraptor/domain';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';
import { RedisClient } from '../redis/redis.providers';
import type { LogStreamSink } from './build-log';

/** A stream whose builder died is removed after this long even without an end entry. */
const RUNNING_STREAM_TTL_SECONDS = 2 * 24 * 3600;

@Injectable()
export class RedisLogSink implements LogStreamSink {
  constructor(
    private readonly client: RedisClient,
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async append(imageId: string, entries: LogStreamEntry[]): Promise<void> {
    const key = redisKeys.logStream(imageId);
    const pipeline = this.client.redis.pipeline();
    for (const entry of entries) {
      pipeline.xadd(key, '*', ...encodeLogStreamEntry(entry));
    }
    pipeline.expire(key, RUNNING_STREAM_TTL_SECONDS);
    await execOrThrow(pipeline);
  }

  async end(
    imageId: string,
    entry: Extract<LogStreamEntry, { kind: 'end' }>,
  ): Promise<void> {
    const key = redisKeys.logStream(imageId);
    const pipeline = this.client.redis.pipeline();
    pipeline.xadd(key, '*', ...encodeLogStreamEntry(entry));
    pipeline.expire(key, this.config.logStreamRetentionSeconds);
    await execOrThrow(pipeline);
  }
}

async function execOrThrow(pipeline: {
  exec(): Promise<[Error | null, unknown][] | null>;
}): Promise<void> {
  const results = await pipeline.exec();
  for (const [err] of results ?? []) {
    if (err) throw err;
  }
}
