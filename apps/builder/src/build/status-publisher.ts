import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import {
  QUEUES,
  redisKeys,
  type BuildProgress,
  type ImageStatusEvent,
} from '@velociraptor/domain';
import type { Queue } from 'bull';
import { RedisClient } from '../redis/redis.providers';

/** Builder → API: status changes go through a queue so none is lost while the API restarts. */
@Injectable()
export class StatusPublisher {
  constructor(
    @InjectQueue(QUEUES.imageEvents)
    private readonly events: Queue<ImageStatusEvent>,
    private readonly client: RedisClient,
  ) {}

  async publish(event: ImageStatusEvent): Promise<void> {
    await this.events.add(event, {
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: 1000,
    });
  }

  /** Best effort: progress is only for people watching. */
  progress(progress: BuildProgress): void {
    this.client.redis
      .publish(redisKeys.progressChannel, JSON.stringify(progress))
      .catch(() => undefined);
  }
}
