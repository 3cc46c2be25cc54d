import { NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { uuidSchema } from '@velociraptor/domain';
import { StackEntity } from './stack.entity';

/**
 * Finds a stack by id or by name. A name may itself look like a uuid, so a uuid-shaped value is
 * tried as an id first and then as a name.
 */
export async function findStack(
  manager: EntityManager,
  idOrName: string,
  options: { forUpdate?: boolean } = {},
): Promise<StackEntity> {
  const repository = manager.getRepository(StackEntity);
  const lock = options.forUpdate
    ? { lock: { mode: 'pessimistic_write' as const } }
    : {};
  const byId = uuidSchema.safeParse(idOrName).success
    ? await repository.findOne({ where: { id: idOrName }, ...lock })
    : null;
  const stack =
    byId ?? (await repository.findOne({ where: { name: idOrName }, ...lock }));
  if (!stack) throw new NotFoundException(`stack "${idOrName}" not found`);
  return stack;
}
