import { createHash, randomUUID } from 'node:crypto';
import { ConflictException, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import {
  type createStackSchema,
  redisKeys,
  type SaveStackResponse,
  type Stack,
  type StackSummary,
  type updateStackSchema,
  type User,
} from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import type { z } from 'zod';
import { AppEntity } from '../apps/app.entity';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { BuildQueue } from '../images/build-queue';
import { ImageEntity } from '../images/image.entity';
import { ImagesService, type PendingBuild } from '../images/images.service';
import { RedisClient } from '../redis/redis.module';
import { findStack } from './stack-lookup';
import { StackEntity } from './stack.entity';
import { toStack } from './stack.mapper';

export type CreateStack = z.output<typeof createStackSchema>;
export type UpdateStack = z.output<typeof updateStackSchema>;

const EDITABLE_FIELDS = [
  'name',
  'description',
  'baseImageUrl',
  'baseImageChecksum',
  'script',
  'env',
  'timeoutSeconds',
  'network',
] as const satisfies readonly (keyof StackEntity)[];

/** Audit details say what changed without copying the (possibly large) script into the log. */
function describeScript(script: string): { bytes: number; sha256: string } {
  return {
    bytes: Buffer.byteLength(script, 'utf8'),
    sha256: createHash('sha256').update(script).digest('hex'),
  };
}

@Injectable()
export class StacksService {
  private readonly logger = new Logger('Stacks');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ImagesService) private readonly images: ImagesService,
    @Inject(BuildQueue) private readonly queue: BuildQueue,
    @Inject(ObjectStore) private readonly store: ObjectStore,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async list(): Promise<StackSummary[]> {
    const manager = this.dataSource.manager;
    const stacks = await manager
      .getRepository(StackEntity)
      .find({ order: { name: 'ASC' } });
    if (stacks.length === 0) return [];
    const active = await manager.getRepository(ImageEntity).find({
      select: { id: true, stackId: true, name: true },
      where: { active: true },
    });
    const latest = (await manager.query(
      `SELECT DISTINCT ON (stack_id) id, stack_id, name, status, queued_at, finished_at
         FROM images ORDER BY stack_id, queued_at DESC, name DESC`,
    )) as {
      id: string;
      stack_id: string;
      name: string;
      status: string;
      queued_at: Date;
      finished_at: Date | null;
    }[];
    const counts = (await manager.query(
      `SELECT stack_id, COUNT(*)::int AS count FROM apps WHERE stack_id IS NOT NULL GROUP BY stack_id`,
    )) as { stack_id: string; count: number }[];

    const activeByStack = new Map(
      active.map((image) => [image.stackId, image]),
    );
    const latestByStack = new Map(latest.map((row) => [row.stack_id, row]));
    const countByStack = new Map(
      counts.map((row) => [row.stack_id, row.count]),
    );
    return stacks.map((stack): StackSummary => {
      const activeImage = activeByStack.get(stack.id);
      const last = latestByStack.get(stack.id);
      return {
        ...toStack(stack, activeImage?.id ?? null),
        activeImageName: activeImage?.name ?? null,
        lastImage: last
          ? {
              id: last.id,
              name: last.name,
              status: last.status,
              queuedAt: last.queued_at.toISOString(),
              finishedAt: last.finished_at?.toISOString() ?? null,
            }
          : null,
        appCount: countByStack.get(stack.id) ?? 0,
      };
    });
  }

  async get(idOrName: string): Promise<Stack> {
    const stack = await findStack(this.dataSource.manager, idOrName);
    return toStack(
      stack,
      await this.activeImageId(this.dataSource.manager, stack.id),
    );
  }

  /** Saves a new stack; with `build`, also queues its first image in the same transaction. */
  async create(actor: User, request: CreateStack): Promise<SaveStackResponse> {
    const { build, ...fields } = request;
    const { stack, pending } = await this.dataSource.transaction(
      async (manager) => {
        const now = this.clock.now();
        const entity: StackEntity = {
          id: randomUUID(),
          name: fields.name,
          description: fields.description,
          baseImageUrl: fields.baseImageUrl,
          baseImageChecksum: fields.baseImageChecksum ?? null,
          script: fields.script,
          env: fields.env,
          timeoutSeconds: fields.timeoutSeconds,
          network: fields.network,
          createdAt: now,
          updatedAt: now,
        };
        await manager.getRepository(StackEntity).insert(entity);
        const { script, ...rest } = fields;
        await this.audit.record(
          {
            actor,
            action: 'stack.create',
            targetType: 'stack',
            targetId: entity.id,
            details: {
              ...rest,
              script: describeScript(script),
              build: build ?? false,
            },
          },
          manager,
        );
        // The row was inserted by this transaction, so nobody else can hold it: no lock needed.
        const queued = build
          ? await this.images.createQueued(manager, entity, actor, true)
          : null;
        return { stack: entity, pending: queued };
      },
    );
    return this.finishSave(stack, pending, null);
  }

  /** Applies a partial update; with `build`, queues an image of the updated stack in the same transaction. */
  async update(
    actor: User,
    idOrName: string,
    request: UpdateStack,
  ): Promise<SaveStackResponse> {
    const { build, ...fields } = request;
    const { stack, pending, activeImageId } = await this.dataSource.transaction(
      async (manager) => {
        const entity = await findStack(manager, idOrName, { forUpdate: true });
        const changes: Record<string, unknown> = {};
        for (const field of EDITABLE_FIELDS) {
          const value = fields[field];
          if (value === undefined) continue;
          if (JSON.stringify(value) === JSON.stringify(entity[field])) continue;
          changes[field] =
            field === 'script' ? describeScript(value as string) : value;
          Object.assign(entity, { [field]: value });
        }
        if (Object.keys(changes).length > 0) {
          entity.updatedAt = this.clock.now();
          await manager.getRepository(StackEntity).save(entity);
          await this.audit.record(
            {
              actor,
              action: 'stack.update',
              targetType: 'stack',
              targetId: entity.id,
              details: { name: entity.name, changes },
            },
            manager,
          );
        }
        const queued = build
          ? await this.images.createQueued(manager, entity, actor, true)
          : null;
        return {
          stack: entity,
          pending: queued,
          activeImageId: await this.activeImageId(manager, entity.id),
        };
      },
    );
    return this.finishSave(stack, pending, activeImageId);
  }

  /**
   * Deletes a stack and its images. Refused (409) while apps are linked to it: they would lose the
   * image they build in, so they must be moved to another stack (or unlinked) first.
   */
  async delete(actor: User, idOrName: string): Promise<void> {
    const images = await this.dataSource.transaction(async (manager) => {
      const stack = await findStack(manager, idOrName, { forUpdate: true });
      const apps = await manager.getRepository(AppEntity).find({
        select: { name: true },
        where: { stackId: stack.id },
        order: { name: 'ASC' },
      });
      if (apps.length > 0) {
        throw new ConflictException(
          `stack "${stack.name}" is used by ${apps.length === 1 ? 'app' : 'apps'} ${apps
            .map((app) => `"${app.name}"`)
            .join(', ')}; link them to another stack or unlink them first`,
        );
      }
      const doomed = await manager
        .getRepository(ImageEntity)
        .find({ where: { stackId: stack.id } });
      await manager.getRepository(StackEntity).delete({ id: stack.id });
      await this.audit.record(
        {
          actor,
          action: 'stack.delete',
          targetType: 'stack',
          targetId: stack.id,
          details: {
            name: stack.name,
            images: doomed.map((image) => image.name),
          },
        },
        manager,
      );
      return doomed;
    });
    await this.cleanUpAfterDelete(images);
  }

  private async finishSave(
    stack: StackEntity,
    pending: PendingBuild | null,
    activeImageId: string | null,
  ): Promise<SaveStackResponse> {
    const queuedImage = pending ? await this.images.enqueue(pending) : null;
    return { ...toStack(stack, activeImageId), queuedImage };
  }

  private async activeImageId(
    manager: EntityManager,
    stackId: string,
  ): Promise<string | null> {
    const active = await manager
      .getRepository(ImageEntity)
      .findOne({ select: { id: true }, where: { stackId, active: true } });
    return active?.id ?? null;
  }

  /**
   * After the rows are gone: drop jobs not started yet, ask builders to stop running ones, and remove
   * stored files. Best effort: a failure here leaves garbage, not inconsistency, so it is logged only.
   */
  private async cleanUpAfterDelete(images: ImageEntity[]): Promise<void> {
    for (const image of images) {
      try {
        if (image.status === 'queued') await this.queue.removeWaiting(image.id);
        if (image.status === 'running' || image.status === 'queued') {
          await this.redis.redis.publish(redisKeys.cancelChannel, image.id);
        }
        for (const key of [image.storageKey, image.logKey])
          if (key) await this.store.remove(key);
      } catch (error) {
        this.logger.warn(
          `clean-up of deleted image ${image.name} incomplete: ${(error as Error).message}`,
        );
      }
    }
  }
}
