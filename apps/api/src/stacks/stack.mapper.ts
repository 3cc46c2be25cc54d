import type { Stack } from '@velociraptor/domain';
import type { StackEntity } from './stack.entity';

export function toStack(
  entity: StackEntity,
  activeImageId: string | null,
): Stack {
  return {
    id: entity.id,
    name: entity.name,
    description: entity.description,
    baseImageUrl: entity.baseImageUrl,
    baseImageChecksum: entity.baseImageChecksum,
    script: entity.script,
    env: entity.env,
    timeoutSeconds: entity.timeoutSeconds,
    network: entity.network,
    activeImageId,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
