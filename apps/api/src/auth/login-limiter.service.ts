import {
  Inject,
  Injectable,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AppConfig } from '../config';
import { TooManyRequestsException } from '../common/errors';
import { RedisClient } from '../redis/redis.module';

/**
 * Counts failed logins per username and per client address in Redis, so every API process
 * behind a load balancer sees the same counts. A counter expires one window after its first failure.
 */
@Injectable()
export class LoginLimiter {
  constructor(
    @Inject(RedisClient) private readonly client: RedisClient,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  private keys(username: string, ip: string): string[] {
    return [
      `vr:login-failures:user:${username.toLowerCase()}`,
      `vr:login-failures:ip:${ip}`,
    ];
  }

  /** Throws 429 (with the seconds until the window resets) once either counter is at the limit. */
  async assertAllowed(username: string, ip: string): Promise<void> {
    const keys = this.keys(username, ip);
    const results = await this.run(async (redis) => {
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.get(key).ttl(key);
      return pipeline.exec();
    });
    let retryAfter = 0;
    for (let i = 0; i < keys.length; i++) {
      const count = Number(results?.[i * 2]?.[1] ?? 0);
      const ttl = Number(results?.[i * 2 + 1]?.[1] ?? -1);
      if (count >= this.config.loginMaxFailures) {
        retryAfter = Math.max(
          retryAfter,
          ttl > 0 ? ttl : this.config.loginWindowSeconds,
        );
      }
    }
    if (retryAfter > 0) {
      throw new TooManyRequestsException(
        `too many failed logins; try again in ${Math.ceil(retryAfter / 60)} minute(s)`,
        retryAfter,
      );
    }
  }

  async recordFailure(username: string, ip: string): Promise<void> {
    await this.run(async (redis) => {
      const transaction = redis.multi();
      for (const key of this.keys(username, ip)) {
        transaction.incr(key).expire(key, this.config.loginWindowSeconds, 'NX');
      }
      await transaction.exec();
    });
  }

  /** A successful login clears the username's counter; the address keeps its count. */
  async recordSuccess(username: string): Promise<void> {
    await this.run((redis) => redis.del(this.keys(username, '')[0]));
  }

  private async run<T>(
    operation: (redis: RedisClient['redis']) => Promise<T>,
  ): Promise<T> {
    const redis = this.client.redis;
    try {
      return await operation(redis);
    } catch (error) {
      // Without the counters we cannot limit guessing, so logins wait for Redis rather than go unprotected.
      throw new ServiceUnavailableException(
        `login is unavailable: the rate-limit store (Redis) did not answer (${(error as Error).message})`,
      );
    }
  }
}
