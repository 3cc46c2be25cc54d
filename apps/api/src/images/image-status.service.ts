import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  isFinished,
  type Image,
  type ImageStatusEvent,
} from '@velociraptor/domain';
import { DashboardEvents } from '../logs/dashboard-events';
import { LogStreamReader } from '../logs/log-stream.reader';
import { StackEntity } from '../stacks/stack.entity';
import { ImageEntity } from './image.entity';
import { toImage } from './image.mapper';
import { ImageRetention } from './image-retention';

const FAILED_LAST_LINES = 20;

/**
 * Records what builders report. Transitions only move forward
 * (queued → running → finished), so a late or repeated event is ignored.
 * A success makes the image active in the same transaction, unless a build
 * queued after it is active already; a failure or cancel never changes
 * which image is active.
 */
@Injectable()
export class ImageStatusService {
  private readonly logger = new Logger('ImageStatus');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DashboardEvents) private readonly dashboard: DashboardEvents,
    @Inject(LogStreamReader) private readonly logs: LogStreamReader,
    @Inject(ImageRetention) private readonly retention: ImageRetention,
  ) {}

  async apply(event: ImageStatusEvent): Promise<void> {
    const outcome = await this.dataSource.transaction((manager) =>
      this.record(manager, event),
    );
    if (!outcome) return;
    const { image, activated } = outcome;
    switch (event.type) {
      case 'started':
        this.dashboard.started(image);
        break;
      case 'succeeded': {
        const started = image.startedAt ?? image.queuedAt;
        const durationMs =
          new Date(image.finishedAt ?? event.at).getTime() -
          new Date(started).getTime();
        this.dashboard.succeeded(image, Math.max(0, durationMs));
        if (activated) this.dashboard.activated(image);
        await this.retention
          .apply(image.stackId)
          .catch((err: unknown) =>
            this.logger.warn(
              `retention for stack ${image.stackName} failed: ${String(err)}`,
            ),
          );
        break;
      }
      case 'failed':
        this.dashboard.failed(
          image,
          await this.logs
            .tail(image.id, FAILED_LAST_LINES)
            .catch(() => [] as string[]),
        );
        break;
      case 'cancelled':
        this.dashboard.cancelled(image);
        break;
    }
  }

  private async record(
    manager: EntityManager,
    event: ImageStatusEvent,
  ): Promise<{ image: Image; activated: boolean } | null> {
    const repo = manager.getRepository(ImageEntity);
    const image = await repo.findOne({
      where: { id: event.imageId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!image) {
      this.logger.warn(
        `${event.type} event for unknown image ${event.imageId} ignored`,
      );
      return null;
    }
    const at = new Date(event.at);
    let activated = false;
    switch (event.type) {
      case 'started':
        if (image.status !== 'queued') return null;
        image.status = 'running';
        image.startedAt = at;
        image.builderId = event.builderId;
        break;
      case 'succeeded':
        if (isFinished(image.status)) return null;
        image.status = 'succeeded';
        image.startedAt ??= at;
        image.finishedAt = at;
        image.size = event.size;
        image.md5 = event.md5;
        image.sha256 = event.sha256;
        image.storageKey = event.storageKey;
        image.logKey = event.logKey;
        image.errorMessage = null;
        activated = await this.shouldActivate(manager, image);
        break;
      case 'failed':
        if (isFinished(image.status)) return null;
        image.status = 'failed';
        image.finishedAt = at;
        image.errorMessage = event.errorMessage;
        image.logKey = event.logKey;
        break;
      case 'cancelled':
        if (isFinished(image.status)) return null;
        image.status = 'cancelled';
        image.finishedAt = at;
        image.logKey = event.logKey;
        break;
    }
    if (activated) {
      // Both in this transaction; the partial unique index would refuse a second active image.
      await repo.update(
        { stackId: image.stackId, active: true },
        { active: false },
      );
      image.active = true;
    }
    await repo.save(image);
    const stack = await manager.getRepository(StackEntity).findOne({
      where: { id: image.stackId },
      select: { id: true, name: true },
    });
    return { image: toImage(image, stack?.name ?? ''), activated };
  }

  /** A newer build (queued later) that is active already wins over this one. */
  private async shouldActivate(
    manager: EntityManager,
    image: ImageEntity,
  ): Promise<boolean> {
    // Serialises activations of one stack (two builds finishing together).
    await manager.getRepository(StackEntity).findOne({
      where: { id: image.stackId },
      lock: { mode: 'pessimistic_write' },
    });
    const active = await manager.getRepository(ImageEntity).findOne({
      where: { stackId: image.stackId, active: true },
      select: { id: true, queuedAt: true, name: true },
    });
    return !active || active.queuedAt.getTime() <= image.queuedAt.getTime();
  }
}
