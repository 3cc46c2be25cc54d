import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { HealthReport, ServiceState } from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import { RedisClient } from '../redis/redis.module';

const CHECK_TIMEOUT_MS = 3000;

interface ServiceHealth {
  status: ServiceState;
  error?: string;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`),
        ),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(
  what: string,
  probe: () => Promise<void>,
): Promise<ServiceHealth> {
  try {
    await withTimeout(probe(), what);
    return { status: 'up' };
  } catch (error) {
    return {
      status: 'down',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(ObjectStore) private readonly store: ObjectStore,
  ) {}

  async report(): Promise<HealthReport> {
    const [postgres, redis, s3] = await Promise.all([
      check('PostgreSQL', async () => {
        await this.dataSource.query('SELECT 1');
      }),
      check('Redis', async () => {
        const client = this.redis.redis;
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
      }),
      check('S3', async () => {
        const result = await this.store.health(CHECK_TIMEOUT_MS);
        if (!result.ok) throw new Error(result.error ?? 'not available');
      }),
    ]);
    const services = { postgres, redis, s3 };
    const allUp = Object.values(services).every(
      (service) => service.status === 'up',
    );
    return { status: allUp ? 'ok' : 'degraded', services };
  }
}
