import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { redisKeys, storageKeys } from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import { Clock } from '../common/clock';
import { AppConfig } from '../config';
import { LogStreamReader } from '../logs/log-stream.reader';
import { RedisClient } from '../redis/redis.module';
import { StackEntity } from '../stacks/stack.entity';
import { ImageEntity } from './image.entity';
import { ImageStatusService } from './image-status.service';

export const BUILDER_GONE_MESSAGE = 'builder stopped responding';
const END_RETENTION_SECONDS = 3600;

/**
 * Fails `running` images whose builder's heartbeat key has been gone for
 * BUILDER_HEARTBEAT_TIMEOUT_SECONDS (the builder was killed or lost its host).
 * Every API process runs it; the forward-only status update lets one win.
 */
@Injectable()
export class BuilderReaper
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('BuilderReaper');
  /** Image id → when this process first saw its heartbeat missing. */
  private readonly missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RedisClient) private readonly client: RedisClient,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(ImageStatusService) private readonly status: ImageStatusService,
    @Inject(LogStreamReader) private readonly logs: LogStreamReader,
    @Inject(ObjectStore) private readonly store: ObjectStore,
  ) {}

  /** Checks often enough that a dead builder is noticed within timeout + interval. */
  get intervalMs(): number {
    const timeoutMs = this.config.builderHeartbeatTimeoutSeconds * 1000;
    return Math.min(15_000, Math.max(500, Math.floor(timeoutMs / 4)));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then(() => undefined)
        .catch((err: unknown) =>
          this.logger.warn(`sweep failed: ${String(err)}`),
        )
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns the ids of the images it failed. */
  async sweep(): Promise<string[]> {
    const running = await this.dataSource.getRepository(ImageEntity).find({
      where: { status: 'running' },
      select: { id: true },
    });
    const now = this.clock.now().getTime();
    const timeoutMs = this.config.builderHeartbeatTimeoutSeconds * 1000;
    const seen = new Set(running.map((i) => i.id));
    for (const id of this.missingSince.keys()) {
      if (!seen.has(id)) this.missingSince.delete(id);
    }
    const reaped: string[] = [];
    for (const { id } of running) {
      if ((await this.client.redis.exists(redisKeys.heartbeat(id))) > 0) {
        this.missingSince.delete(id);
        continue;
      }
      const since = this.missingSince.get(id) ?? now;
      this.missingSince.set(id, since);
      if (now - since < timeoutMs) continue;
      this.missingSince.delete(id);
      await this.reap(id);
      reaped.push(id);
    }
    return reaped;
  }

  private async reap(imageId: string): Promise<void> {
    this.logger.warn(`image ${imageId}: ${BUILDER_GONE_MESSAGE}`);
    // Watchers of the live log learn that it is over, and why.
    await this.logs
      .finish(
        imageId,
        'failed',
        END_RETENTION_SECONDS,
        `[velociraptor] build failed: ${BUILDER_GONE_MESSAGE}`,
      )
      .catch((err: unknown) =>
        this.logger.warn(`cannot end the log of ${imageId}: ${String(err)}`),
      );
    const logKey = await this.saveLog(imageId).catch((err: unknown) => {
      this.logger.warn(`cannot save the log of ${imageId}: ${String(err)}`);
      return null;
    });
    await this.status.apply({
      type: 'failed',
      imageId,
      at: this.clock.now().toISOString(),
      errorMessage: BUILDER_GONE_MESSAGE,
      logKey,
    });
  }

  /** What the dead builder streamed is all the log there is; keep it where finished logs live. */
  private async saveLog(imageId: string): Promise<string | null> {
    const image = await this.dataSource.getRepository(ImageEntity).findOne({
      where: { id: imageId },
      select: { id: true, name: true, stackId: true, status: true },
    });
    if (!image || image.status !== 'running') return null;
    const stack = await this.dataSource.getRepository(StackEntity).findOne({
      where: { id: image.stackId },
      select: { id: true, name: true },
    });
    if (!stack) return null;
    const reader = this.logs;
    async function* text(): AsyncGenerator<string> {
      for await (const page of reader.entries(imageId)) {
        for (const { entry } of page) {
          if (entry.kind === 'lines' && entry.lines.length) {
            yield entry.lines.join('\n') + '\n';
          }
        }
      }
    }
    const key = storageKeys.imageLog(stack.name, image.name);
    await this.store.putStream(key, Readable.from(text()), {
      contentType: 'text/plain; charset=utf-8',
      timeoutMs: 60_000,
    });
    return key;
  }
}
