import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource } from 'typeorm';
import type {
  ApiToken,
  CreateTokenRequest,
  CreatedApiToken,
  User,
} from '@velociraptor/domain';
import {
  API_TOKEN_PATTERN,
  API_TOKEN_VISIBLE_CHARS,
  newApiToken,
  sha256Hex,
} from '../auth/secrets';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { UserEntity } from '../users/user.entity';
import { ApiTokenEntity } from './api-token.entity';

const DAY_MS = 24 * 3600 * 1000;
/** last_used_at is a hint for people, so one write a minute per token is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function toApiToken(entity: ApiTokenEntity): ApiToken {
  return {
    id: entity.id,
    name: entity.name,
    prefix: entity.prefix,
    createdAt: entity.createdAt.toISOString(),
    lastUsedAt: entity.lastUsedAt?.toISOString() ?? null,
    expiresAt: entity.expiresAt?.toISOString() ?? null,
  };
}

export interface ResolvedToken {
  tokenId: string;
  user: UserEntity;
}

@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** The caller's tokens that are not revoked (expired ones stay listed so they can be cleaned up). */
  async list(owner: User): Promise<ApiToken[]> {
    const tokens = await this.dataSource.getRepository(ApiTokenEntity).find({
      where: { userId: owner.id, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    return tokens.map(toApiToken);
  }

  async create(
    owner: User,
    request: CreateTokenRequest,
  ): Promise<CreatedApiToken> {
    const token = newApiToken();
    const now = this.clock.now();
    const entity: ApiTokenEntity = {
      id: randomUUID(),
      userId: owner.id,
      name: request.name,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, API_TOKEN_VISIBLE_CHARS),
      createdAt: now,
      lastUsedAt: null,
      expiresAt: request.expiresInDays
        ? new Date(now.getTime() + request.expiresInDays * DAY_MS)
        : null,
      revokedAt: null,
    };
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(ApiTokenEntity).insert(entity);
      await this.audit.record(
        {
          actor: owner,
          action: 'token.create',
          targetType: 'token',
          targetId: entity.id,
          details: {
            name: entity.name,
            prefix: entity.prefix,
            expiresAt: entity.expiresAt?.toISOString() ?? null,
          },
        },
        manager,
      );
    });
    return { ...toApiToken(entity), token };
  }

  async revoke(owner: User, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ApiTokenEntity);
      const entity = await repository.findOneBy({
        id,
        userId: owner.id,
        revokedAt: IsNull(),
      });
      if (!entity) throw new NotFoundException(`token ${id} not found`);
      await repository.update({ id }, { revokedAt: this.clock.now() });
      await this.audit.record(
        {
          actor: owner,
          action: 'token.revoke',
          targetType: 'token',
          targetId: id,
          details: { name: entity.name, prefix: entity.prefix },
        },
        manager,
      );
    });
  }

  /** The owner of a valid (known, not revoked, not expired) token, or null. */
  async resolve(token: string): Promise<ResolvedToken | null> {
    if (!API_TOKEN_PATTERN.test(token)) return null;
    const entity = await this.dataSource.getRepository(ApiTokenEntity).findOne({
      where: { tokenHash: sha256Hex(token) },
      relations: { user: true },
    });
    const now = this.clock.now();
    if (
      !entity?.user ||
      entity.revokedAt ||
      (entity.expiresAt && entity.expiresAt <= now)
    )
      return null;
    await this.dataSource
      .createQueryBuilder()
      .update(ApiTokenEntity)
      .set({ lastUsedAt: now })
      .where('id = :id', { id: entity.id })
      .andWhere('(last_used_at IS NULL OR last_used_at < :stale)', {
        stale: new Date(now.getTime() - LAST_USED_RESOLUTION_MS),
      })
      .execute();
    return { tokenId: entity.id, user: entity.user };
  }
}
