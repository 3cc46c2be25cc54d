import type { App } from '@velociraptor/domain';
import type { AppEntity } from './app.entity';

export function toApp(entity: AppEntity): App {
  return {
    id: entity.id,
    name: entity.name,
    repository: entity.repository,
    buildCommand: entity.buildCommand,
    env: entity.env,
    stackId: entity.stackId,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
