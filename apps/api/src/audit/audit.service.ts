import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { AuditEntry, Page, User } from '@velociraptor/domain';
import { Clock } from '../common/clock';
import { AuditEntryEntity } from './audit-entry.entity';

export interface AuditRecord {
  /** Who did it; null for the system itself (e.g. the first start). */
  actor: Pick<User, 'id' | 'username'> | null;
  /** `<target>.<verb>`, e.g. `stack.create`. */
  action: string;
  targetType: string;
  targetId: string | null;
  /** What changed; never passwords, tokens or other secrets. */
  details?: Record<string, unknown>;
}

export function toAuditEntry(entity: AuditEntryEntity): AuditEntry {
  return {
    id: entity.id,
    at: entity.at.toISOString(),
    actorId: entity.actorId,
    actorName: entity.actorName,
    action: entity.action,
    targetType: entity.targetType,
    targetId: entity.targetId,
    details: entity.details,
  };
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEntryEntity)
    private readonly entries: Repository<AuditEntryEntity>,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Pass the transaction's manager so the entry commits (or not) with the change it describes. */
  async record(record: AuditRecord, manager?: EntityManager): Promise<void> {
    const repository = manager
      ? manager.getRepository(AuditEntryEntity)
      : this.entries;
    await repository.insert({
      id: randomUUID(),
      at: this.clock.now(),
      actorId: record.actor?.id ?? null,
      actorName: record.actor?.username ?? null,
      action: record.action,
      targetType: record.targetType,
      targetId: record.targetId,
      // TypeORM's deep-partial type cannot express `unknown` values; jsonb takes any JSON.
      details: (record.details ?? {}) as QueryDeepPartialEntity<
        Record<string, unknown>
      >,
    });
  }

  async list(limit: number, offset: number): Promise<Page<AuditEntry>> {
    const [items, total] = await this.entries.findAndCount({
      order: { at: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return { items: items.map(toAuditEntry), total };
  }
}
