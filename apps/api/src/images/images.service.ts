import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  type Image,
  type ImageBuildJob,
  imageName,
  storageKeys,
  type User,
} from '@velociraptor/domain';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { AppConfig } from '../config';
import { findStack } from '../stacks/stack-lookup';
import { StackEntity } from '../stacks/stack.entity';
import { BuildQueue } from './build-queue';
import { ImageEntity } from './image.entity';
import { toImage } from './image.mapper';

/** A queued image whose job still has to be handed to the build queue (after the commit). */
export interface PendingBuild {
  image: ImageEntity;
  stackName: string;
}

@Injectable()
export class ImagesService {
  private readonly logger = new Logger('Images');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(BuildQueue) private readonly queue: BuildQueue,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async get(id: string): Promise<Image> {
    const image = await this.dataSource
      .getRepository(ImageEntity)
      .findOne({ where: { id }, relations: { stack: true } });
    if (!image?.stack) throw new NotFoundException(`image ${id} not found`);
    return toImage(image, image.stack.name);
  }

  async listForStack(idOrName: string): Promise<Image[]> {
    const stack = await findStack(this.dataSource.manager, idOrName);
    const images = await this.dataSource.getRepository(ImageEntity).find({
      where: { stackId: stack.id },
      order: { queuedAt: 'DESC', name: 'DESC' },
    });
    return images.map((image) => toImage(image, stack.name));
  }

  /** POST /stacks/:idOrName/builds: builds the stack as saved, without changing it. */
  async queueBuild(idOrName: string, actor: User): Promise<Image> {
    const pending = await this.dataSource.transaction(async (manager) => {
      const stack = await findStack(manager, idOrName, { forUpdate: true });
      return this.createQueued(manager, stack, actor, true);
    });
    return this.enqueue(pending);
  }

  /**
   * Records a queued image inside the caller's transaction, freezing the stack's current settings
   * as the image's snapshot. The stack row must be locked (FOR UPDATE) by the caller: that lock
   * serialises concurrent builds of one stack, so each gets the next free `<stack>_<YYYYMMDD>_<n>`.
   */
  async createQueued(
    manager: EntityManager,
    stack: StackEntity,
    actor: User,
    rowLocked: boolean,
  ): Promise<PendingBuild> {
    if (!rowLocked)
      await manager.getRepository(StackEntity).findOne({
        where: { id: stack.id },
        lock: { mode: 'pessimistic_write' },
      });
    const now = this.clock.now();
    // `<stack>_<YYYYMMDD>_`: the name of sequence 0 without its digit.
    const prefix = imageName(stack.name, now, 0).slice(0, -1);
    // The highest n used today by any image with this prefix (a renamed stack may have left some behind).
    const [{ max }] = (await manager.query(
      `SELECT COALESCE(MAX(substr(name, $2)::int), 0) AS max FROM images
        WHERE starts_with(name, $1) AND substr(name, $2) ~ '^[0-9]{1,9}$'`,
      [prefix, prefix.length + 1],
    )) as [{ max: number }];
    const image: ImageEntity = {
      id: randomUUID(),
      stackId: stack.id,
      name: imageName(stack.name, now, Number(max) + 1),
      status: 'queued',
      format: 'zstd',
      snapshotBaseImageUrl: stack.baseImageUrl,
      snapshotBaseImageChecksum: stack.baseImageChecksum,
      snapshotScript: stack.script,
      snapshotEnv: { ...stack.env },
      snapshotTimeoutSeconds: stack.timeoutSeconds,
      snapshotNetwork: stack.network,
      triggeredBy: actor.username,
      builderId: null,
      queuedAt: now,
      startedAt: null,
      finishedAt: null,
      size: null,
      md5: null,
      sha256: null,
      storageKey: null,
      logKey: null,
      active: false,
      errorMessage: null,
    };
    await manager.getRepository(ImageEntity).insert(image);
    await this.audit.record(
      {
        actor,
        action: 'image.queue',
        targetType: 'image',
        targetId: image.id,
        details: { name: image.name, stack: stack.name },
      },
      manager,
    );
    return { image, stackName: stack.name };
  }

  /**
   * Hands a committed queued image to the builders. Called after the commit so a builder never sees
   * a job whose image is not in the database yet. When Redis refuses, the image is marked failed
   * (so it does not sit "queued" forever) and the caller gets a 503.
   */
  async enqueue({ image, stackName }: PendingBuild): Promise<Image> {
    const job: ImageBuildJob = {
      imageId: image.id,
      imageName: image.name,
      stackName,
      snapshot: toImage(image, stackName).snapshot,
      format: image.format,
      storageKey: storageKeys.image(stackName, image.name, image.format),
      logKey: storageKeys.imageLog(stackName, image.name),
      logMaxBytes: this.config.logMaxBytes,
    };
    try {
      await this.queue.add(job);
    } catch (error) {
      const reason = `could not queue the build: ${(error as Error).message}`;
      this.logger.error(`image ${image.name}: ${reason}`);
      await this.dataSource.getRepository(ImageEntity).update(
        { id: image.id, status: 'queued' },
        {
          status: 'failed',
          finishedAt: this.clock.now(),
          errorMessage: reason,
        },
      );
      throw new ServiceUnavailableException(
        `image ${image.name} was recorded but ${reason}`,
      );
    }
    return toImage(image, stackName);
  }
}
