import { randomUUID } from 'node:crypto';
import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type {
  CreateUserRequest,
  Role,
  UpdateUserRequest,
  User,
} from '@velociraptor/domain';
import { AuditService } from '../audit/audit.service';
import { SessionEntity } from '../auth/session.entity';
import { PasswordHasher } from '../auth/password.service';
import { randomSecret } from '../auth/secrets';
import { Clock } from '../common/clock';
import { UserEntity } from './user.entity';

/** Serialises changes that could remove the last admin, across API processes. */
const ADMIN_CHANGE_LOCK_KEY = 7_420_150_002;

export function toUser(entity: UserEntity): User {
  return {
    id: entity.id,
    username: entity.username,
    role: entity.role,
    disabled: entity.disabled,
    createdAt: entity.createdAt.toISOString(),
  };
}

export interface FirstAdmin {
  username: string;
  /** Set only when the password was generated and must be shown once. */
  generatedPassword?: string;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async list(): Promise<User[]> {
    const users = await this.dataSource
      .getRepository(UserEntity)
      .find({ order: { username: 'ASC' } });
    return users.map(toUser);
  }

  async get(id: string): Promise<User> {
    return toUser(await this.findEntity(this.dataSource.manager, id));
  }

  async findByUsername(username: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ username });
  }

  async create(actor: User, request: CreateUserRequest): Promise<User> {
    const passwordHash = await this.hasher.hash(request.password);
    return this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const entity = manager.getRepository(UserEntity).create({
        id: randomUUID(),
        username: request.username,
        passwordHash,
        role: request.role,
        disabled: false,
        createdAt: now,
        updatedAt: now,
      });
      await manager.getRepository(UserEntity).insert(entity);
      await this.audit.record(
        {
          actor,
          action: 'user.create',
          targetType: 'user',
          targetId: entity.id,
          details: { username: entity.username, role: entity.role },
        },
        manager,
      );
      return toUser(entity);
    });
  }

  /**
   * @param keepSessionHash the caller's own session, kept when they change their own password.
   */
  async update(
    actor: User,
    id: string,
    request: UpdateUserRequest,
    keepSessionHash?: string,
  ): Promise<User> {
    const passwordHash =
      request.password === undefined
        ? undefined
        : await this.hasher.hash(request.password);
    return this.dataSource.transaction(async (manager) => {
      await this.lockAdminChanges(manager);
      const entity = await this.findEntity(manager, id, true);
      const changes: Record<string, unknown> = {};
      if (request.role !== undefined && request.role !== entity.role) {
        changes['role'] = { from: entity.role, to: request.role };
        entity.role = request.role;
      }
      if (
        request.disabled !== undefined &&
        request.disabled !== entity.disabled
      ) {
        if (request.disabled && entity.id === actor.id) {
          throw new ConflictException('you cannot disable your own account');
        }
        changes['disabled'] = request.disabled;
        entity.disabled = request.disabled;
      }
      if (passwordHash !== undefined) {
        changes['password'] = 'changed';
        entity.passwordHash = passwordHash;
      }
      if (Object.keys(changes).length === 0) return toUser(entity);
      await this.assertAnAdminRemains(manager, entity);
      entity.updatedAt = this.clock.now();
      await manager.getRepository(UserEntity).save(entity);
      if (
        changes['password'] !== undefined ||
        entity.disabled ||
        changes['role'] !== undefined
      ) {
        // New credentials or less power: existing sessions must sign in again.
        const query = manager
          .createQueryBuilder()
          .delete()
          .from(SessionEntity)
          .where('user_id = :id', { id: entity.id });
        if (keepSessionHash && entity.id === actor.id)
          query.andWhere('id_hash <> :keep', { keep: keepSessionHash });
        await query.execute();
      }
      await this.audit.record(
        {
          actor,
          action: 'user.update',
          targetType: 'user',
          targetId: entity.id,
          details: { username: entity.username, ...changes },
        },
        manager,
      );
      return toUser(entity);
    });
  }

  async delete(actor: User, id: string): Promise<void> {
    if (id === actor.id)
      throw new ConflictException('you cannot delete your own account');
    await this.dataSource.transaction(async (manager) => {
      await this.lockAdminChanges(manager);
      const entity = await this.findEntity(manager, id, true);
      await this.assertAnAdminRemains(manager, { ...entity, disabled: true });
      await manager.getRepository(UserEntity).delete({ id: entity.id });
      await this.audit.record(
        {
          actor,
          action: 'user.delete',
          targetType: 'user',
          targetId: entity.id,
          details: { username: entity.username, role: entity.role },
        },
        manager,
      );
    });
  }

  /**
   * Creates the first admin when there are no users at all. Safe when several API processes start
   * together: the check and the insert happen under one advisory lock.
   */
  async ensureFirstAdmin(
    username: string,
    password: string | undefined,
  ): Promise<FirstAdmin | null> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockAdminChanges(manager);
      if ((await manager.getRepository(UserEntity).count()) > 0) return null;
      const generatedPassword =
        password === undefined ? randomSecret(18) : undefined;
      const now = this.clock.now();
      const entity: UserEntity = {
        id: randomUUID(),
        username,
        passwordHash: await this.hasher.hash(
          password ?? (generatedPassword as string),
        ),
        role: 'admin',
        disabled: false,
        createdAt: now,
        updatedAt: now,
      };
      await manager.getRepository(UserEntity).insert(entity);
      await this.audit.record(
        {
          actor: null,
          action: 'user.create',
          targetType: 'user',
          targetId: entity.id,
          details: {
            username,
            role: 'admin' as Role,
            firstStart: true,
            passwordGenerated: generatedPassword !== undefined,
          },
        },
        manager,
      );
      return { username, generatedPassword };
    });
  }

  private async lockAdminChanges(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [
      ADMIN_CHANGE_LOCK_KEY,
    ]);
  }

  /** Refuses a change that would leave no enabled admin to manage the system. */
  private async assertAnAdminRemains(
    manager: EntityManager,
    changed: UserEntity,
  ): Promise<void> {
    if (changed.role === 'admin' && !changed.disabled) return;
    const others = await manager
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .where('user.role = :role', { role: 'admin' })
      .andWhere('user.disabled = false')
      .andWhere('user.id <> :id', { id: changed.id })
      .getCount();
    if (others === 0)
      throw new ConflictException(
        'this is the last enabled admin; make another user admin first',
      );
  }

  private async findEntity(
    manager: EntityManager,
    id: string,
    forUpdate = false,
  ): Promise<UserEntity> {
    const entity = await manager.getRepository(UserEntity).findOne({
      where: { id },
      ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!entity) throw new NotFoundException(`user ${id} not found`);
    return entity;
  }
}
