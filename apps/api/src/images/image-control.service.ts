import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import type { Queue } from 'bull';
import type { DataSource } from 'typeorm';
import {
  isFinished,
  QUEUES,
  redisKeys,
  type Image,
  type ImageBuildJob,
  type User,
} from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DashboardEvents } from '../logs/dashboard-events';
import { LogStreamReader } from '../logs/log-stream.reader';
import { RedisClient } from '../redis/redis.module';
import { StackEntity } from '../stacks/stack.entity';
import { ImageEntity } from './image.entity';
import { toImage } from './image.mapper';
import { ImageRetention } from './image-retention';
import { ImageStatusService } from './image-status.service';

/** How long a cancel stays visible to a builder that has yet to pick the job up. */
const CANCEL_MARK_SECONDS = 24 * 3600;
const PRESIGNED_SECONDS = 300;
const LOG_END_RETENTION_SECONDS = 3600;

export interface ImageDownload {
  stream: Readable;
  size: number;
  fileName: string;
  contentType: string;
}

/** Cancel, activate (rollback), delete and download of images. */
@Injectable()
export class ImageControlService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.imageBuilds)
    private readonly builds: Queue<ImageBuildJob>,
    @Inject(RedisClient) private readonly client: RedisClient,
    @Inject(ObjectStore) private readonly store: ObjectStore,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DashboardEvents) private readonly dashboard: DashboardEvents,
    @Inject(LogStreamReader) private readonly logs: LogStreamReader,
    @Inject(ImageStatusService) private readonly status: ImageStatusService,
    @Inject(ImageRetention) private readonly retention: ImageRetention,
  ) {}

  /**
   * A queued build leaves the queue and is cancelled at once; a running one
   * is told to stop (its builder kills the container and reports `cancelled`).
   */
  async cancel(id: string, actor: User): Promise<Image> {
    const image = await this.find(id);
    if (isFinished(image.status)) {
      throw new ConflictException(
        `image ${image.name} is ${image.status}; only queued or running builds can be cancelled`,
      );
    }
    // Mark first: a builder taking the job from now on sees it and stops.
    await this.client.redis.set(
      redisKeys.cancelled(id),
      actor.username,
      'EX',
      CANCEL_MARK_SECONDS,
    );
    await this.client.redis.publish(redisKeys.cancelChannel, id);
    await this.audit.record({
      actor,
      action: 'image.cancel',
      targetType: 'image',
      targetId: id,
      details: { name: image.name, status: image.status },
    });
    if (image.status === 'queued' && (await this.dropWaitingJob(id))) {
      await this.logs
        .finish(
          id,
          'cancelled',
          LOG_END_RETENTION_SECONDS,
          `[velociraptor] build cancelled by ${actor.username} before it started`,
        )
        .catch(() => undefined);
      await this.status.apply({
        type: 'cancelled',
        imageId: id,
        at: this.clock.now().toISOString(),
        logKey: null,
      });
    }
    return this.get(id);
  }

  /** Rollback: makes a succeeded image the stack's active one. */
  async activate(id: string, actor: User): Promise<Image> {
    const image = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(ImageEntity);
      const entity = await repo.findOne({
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!entity) throw new NotFoundException(`image ${id} not found`);
      if (entity.status !== 'succeeded') {
        throw new ConflictException(
          `image ${entity.name} is ${entity.status}; only succeeded images can be activated`,
        );
      }
      if (entity.active) return null;
      // Same lock order as the status consumer (image, then stack).
      await manager.getRepository(StackEntity).findOne({
        where: { id: entity.stackId },
        lock: { mode: 'pessimistic_write' },
      });
      await repo.update(
        { stackId: entity.stackId, active: true },
        { active: false },
      );
      await repo.update({ id }, { active: true });
      await this.audit.record(
        {
          actor,
          action: 'image.activate',
          targetType: 'image',
          targetId: id,
          details: { name: entity.name },
        },
        manager,
      );
      return entity;
    });
    const result = await this.get(id);
    if (image) this.dashboard.activated(result);
    return result;
  }

  async remove(id: string, actor: User): Promise<void> {
    const image = await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(ImageEntity);
      const entity = await repo.findOne({
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!entity) throw new NotFoundException(`image ${id} not found`);
      if (entity.active) {
        throw new ConflictException(
          `image ${entity.name} is the active image of its stack; activate another image first`,
        );
      }
      if (!isFinished(entity.status)) {
        throw new ConflictException(
          `image ${entity.name} is ${entity.status}; cancel the build first`,
        );
      }
      await repo.delete({ id });
      await this.audit.record(
        {
          actor,
          action: 'image.delete',
          targetType: 'image',
          targetId: id,
          details: { name: entity.name },
        },
        manager,
      );
      return entity;
    });
    await this.retention.removeObjects(image);
    await this.client.redis.del(redisKeys.logStream(id)).catch(() => undefined);
  }

  async download(id: string): Promise<ImageDownload> {
    const { image, key } = await this.downloadable(id);
    const stat = await this.store.stat(key);
    return {
      stream: await this.store.getStream(key),
      size: stat.size,
      fileName: key.slice(key.lastIndexOf('/') + 1) || `${image.name}.tar.zst`,
      contentType:
        image.format === 'gzip' ? 'application/gzip' : 'application/zstd',
    };
  }

  async presignedDownload(
    id: string,
  ): Promise<{ url: string; expiresAt: string }> {
    const { key } = await this.downloadable(id);
    const expiresAt = new Date(
      this.clock.now().getTime() + PRESIGNED_SECONDS * 1000,
    );
    return {
      url: await this.store.presignedGet(key, PRESIGNED_SECONDS),
      expiresAt: expiresAt.toISOString(),
    };
  }

  private async downloadable(
    id: string,
  ): Promise<{ image: ImageEntity; key: string }> {
    const image = await this.find(id);
    if (image.status !== 'succeeded' || !image.storageKey) {
      throw new ConflictException(
        `image ${image.name} is ${image.status}; only succeeded images can be downloaded`,
      );
    }
    return { image, key: image.storageKey };
  }

  /** True when the job was still waiting (or was never in the queue) and is gone now. */
  private async dropWaitingJob(id: string): Promise<boolean> {
    const job = await this.builds.getJob(id);
    if (!job) return true;
    if (
      (await job.isWaiting()) ||
      (await job.isDelayed()) ||
      (await job.isPaused())
    ) {
      try {
        await job.remove();
        return true;
      } catch {
        // Locked: a builder took it this instant; it sees the cancel mark.
        return false;
      }
    }
    return false;
  }

  private async find(id: string): Promise<ImageEntity> {
    const image = await this.dataSource
      .getRepository(ImageEntity)
      .findOne({ where: { id } });
    if (!image) throw new NotFoundException(`image ${id} not found`);
    return image;
  }

  private async get(id: string): Promise<Image> {
    const image = await this.dataSource
      .getRepository(ImageEntity)
      .findOne({ where: { id }, relations: { stack: true } });
    if (!image) throw new NotFoundException(`image ${id} not found`);
    return toImage(image, image.stack?.name ?? '');
  }
}
