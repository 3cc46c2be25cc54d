import { Inject, Injectable, Logger } from '@nestjs/common';
import { redisKeys } from '@velociraptor/domain';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';
import { RedisClient } from '../redis/redis.providers';

export interface HeartbeatHandle {
  stop(): Promise<void>;
}

/**
 * While a build runs its heartbeat key exists; the API's reaper fails a running
 * image whose key has been gone for a while (the builder died with it).
 */
@Injectable()
export class Heartbeats {
  private readonly logger = new Logger(Heartbeats.name);

  constructor(
    private readonly client: RedisClient,
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
  ) {}

  async start(imageId: string): Promise<HeartbeatHandle> {
    const key = redisKeys.heartbeat(imageId);
    const ttl = this.config.heartbeatTtlMs;
    const beat = () =>
      this.client.redis.set(key, this.config.builderId, 'PX', ttl);
    await beat();
    let warned = false;
    const timer = setInterval(
      () => {
        beat().then(
          () => (warned = false),
          (err: unknown) => {
            if (!warned) {
              this.logger.warn(
                `heartbeat for ${imageId} failed: ${String(err)}`,
              );
            }
            warned = true;
          },
        );
      },
      Math.max(500, Math.floor(ttl / 3)),
    );
    return {
      stop: async () => {
        clearInterval(timer);
        await this.client.redis.del(key).catch(() => undefined);
      },
    };
  }
}
