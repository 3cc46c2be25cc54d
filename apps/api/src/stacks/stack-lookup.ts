import { NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { uuidSchema } from '@velociraptor/domain';
import { StackEntity } from './stack.entity';

/**
 * Finds a stack by id or by name. A name may itself look like a uuid, so a uuid-shaped value
 * matches either, the id taking precedence.
 */
export async function findStack(
  manager: EntityManager,
  idOrName: string,
  options: { forUpdate?: boolean } = {},
): Promise<StackEntity> {
  const query = manager.getRepository(StackEntity).createQueryBuilder('stack');
  if (uuidSchema.safeParse(idOrName).success) {
    query
      .where('stack.id = :value OR stack.name = :value', { value: idOrName })
      .orderBy('CASE WHEN stack.id = :value THEN 0 ELSE 1 END');
  } else {
    query.where('stack.name = :value', { value: idOrName });
  }
  if (options.forUpdate) query.setLock('pessimistic_write');
  const stack = await query.getOne();
  if (!stack) throw new NotFoundException(`stack "${idOrName}" not found`);
  return stack;
}
