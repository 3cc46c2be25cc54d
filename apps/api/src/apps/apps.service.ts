import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  App,
  createAppSchema,
  updateAppSchema,
  User,
} from '@velociraptor/domain';
import type { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { ValidationFailedException } from '../common/pipes/zod-validation.pipe';
import { StackEntity } from '../stacks/stack.entity';
import { AppEntity } from './app.entity';
import { toApp } from './app.mapper';

export type CreateApp = z.output<typeof createAppSchema>;
export type UpdateApp = z.output<typeof updateAppSchema>;

const EDITABLE_FIELDS = [
  'name',
  'repository',
  'buildCommand',
  'env',
  'stackId',
] as const satisfies readonly (keyof AppEntity)[];

@Injectable()
export class AppsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async list(): Promise<App[]> {
    const apps = await this.dataSource
      .getRepository(AppEntity)
      .find({ order: { name: 'ASC' } });
    return apps.map(toApp);
  }

  async get(id: string): Promise<App> {
    return toApp(await this.find(this.dataSource.manager, id));
  }

  async create(actor: User, request: CreateApp): Promise<App> {
    return this.dataSource.transaction(async (manager) => {
      const stackId = request.stackId ?? null;
      if (stackId) await this.assertStackExists(manager, stackId);
      const now = this.clock.now();
      const entity: AppEntity = {
        id: randomUUID(),
        name: request.name,
        repository: request.repository,
        buildCommand: request.buildCommand,
        env: request.env,
        stackId,
        createdAt: now,
        updatedAt: now,
      };
      await manager.getRepository(AppEntity).insert(entity);
      await this.audit.record(
        {
          actor,
          action: 'app.create',
          targetType: 'app',
          targetId: entity.id,
          details: {
            name: entity.name,
            repository: entity.repository,
            stackId,
            envNames: Object.keys(entity.env),
          },
        },
        manager,
      );
      return toApp(entity);
    });
  }

  async update(actor: User, id: string, request: UpdateApp): Promise<App> {
    return this.dataSource.transaction(async (manager) => {
      const entity = await this.find(manager, id, true);
      const changes: Record<string, unknown> = {};
      for (const field of EDITABLE_FIELDS) {
        const value = request[field];
        if (
          value === undefined ||
          JSON.stringify(value) === JSON.stringify(entity[field])
        )
          continue;
        // Env values may hold credentials: the audit log records which names changed, not the values.
        changes[field] =
          field === 'env' ? { names: Object.keys(value as object) } : value;
        Object.assign(entity, { [field]: value });
      }
      if (Object.keys(changes).length === 0) return toApp(entity);
      if (changes['stackId'] && entity.stackId)
        await this.assertStackExists(manager, entity.stackId);
      entity.updatedAt = this.clock.now();
      await manager.getRepository(AppEntity).save(entity);
      await this.audit.record(
        {
          actor,
          action: 'app.update',
          targetType: 'app',
          targetId: entity.id,
          details: { name: entity.name, changes },
        },
        manager,
      );
      return toApp(entity);
    });
  }

  async delete(actor: User, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const entity = await this.find(manager, id, true);
      await manager.getRepository(AppEntity).delete({ id });
      await this.audit.record(
        {
          actor,
          action: 'app.delete',
          targetType: 'app',
          targetId: id,
          details: { name: entity.name },
        },
        manager,
      );
    });
  }

  /** Locks the stack row (shared) so it cannot be deleted between this check and the commit. */
  private async assertStackExists(
    manager: EntityManager,
    stackId: string,
  ): Promise<void> {
    const stack = await manager.getRepository(StackEntity).findOne({
      select: { id: true },
      where: { id: stackId },
      lock: { mode: 'pessimistic_read' },
    });
    if (!stack)
      throw new ValidationFailedException(
        `Invalid request: stackId: no stack with id ${stackId}`,
        { stackId: 'no such stack' },
      );
  }

  private async find(
    manager: EntityManager,
    id: string,
    forUpdate = false,
  ): Promise<AppEntity> {
    const entity = await manager.getRepository(AppEntity).findOne({
      where: { id },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!entity) throw new NotFoundException(`app ${id} not found`);
    return entity;
  }
}
