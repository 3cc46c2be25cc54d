import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { redisKeys } from '@velociraptor/domain';
import Redis from 'ioredis';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';
import { RedisClient } from '../redis/redis.providers';

export type AbortReason = 'cancelled' | 'timed-out' | 'shutdown';

export class BuildAbort extends Error {
  constructor(readonly reason: AbortReason) {
    super(`build ${reason}`);
  }
}

/**
 * The builds running in this process, each with its AbortController, and the
 * subscription to the cancel channel that aborts them.
 */
@Injectable()
export class CancelRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CancelRegistry.name);
  private readonly running = new Map<string, AbortController>();
  private subscriber: Redis | undefined;

  constructor(
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
    private readonly client: RedisClient,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = new Redis(this.config.redisUrl, {
      connectionName: `vr-builder-${this.config.builderId}-cancel`,
    });
    this.subscriber.on('error', (err: unknown) =>
      this.logger.warn(`cancel subscription: ${String(err)}`),
    );
    this.subscriber.on('message', (_channel: string, imageId: string) => {
      this.abort(imageId, 'cancelled');
    });
    await this.subscriber.subscribe(redisKeys.cancelChannel);
  }

  async onApplicationShutdown(): Promise<void> {
    this.abortAll('shutdown');
    this.subscriber?.disconnect();
  }

  abortAll(reason: AbortReason): void {
    for (const id of [...this.running.keys()]) this.abort(id, reason);
  }

  /**
   * Registers a build, then looks for a cancel that arrived before it ran (the
   * pub/sub message is only seen by builders already subscribed).
   */
  async register(imageId: string): Promise<AbortController> {
    const controller = new AbortController();
    this.running.set(imageId, controller);
    if ((await this.client.redis.exists(redisKeys.cancelled(imageId))) > 0) {
      this.abort(imageId, 'cancelled');
    }
    return controller;
  }

  unregister(imageId: string): void {
    this.running.delete(imageId);
  }

  abort(imageId: string, reason: AbortReason): void {
    const controller = this.running.get(imageId);
    if (!controller || controller.signal.aborted) return;
    this.logger.log(`aborting build of image ${imageId}: ${reason}`);
    controller.abort(new BuildAbort(reason));
  }
}
