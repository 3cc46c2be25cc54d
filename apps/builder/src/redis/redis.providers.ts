import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';

/** The builder's command connection (log streams, heartbeats, cancel keys). */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: Redis;

  constructor(@Inject(BUILDER_CONFIG) config: BuilderConfig) {
    this.redis = new Redis(config.redisUrl, {
      connectionName: `vr-builder-${config.builderId}`,
      // Commands wait through a short Redis restart instead of failing the build.
      maxRetriesPerRequest: 20,
    });
    // ioredis reconnects by itself; commands report their own errors.
    this.redis.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
