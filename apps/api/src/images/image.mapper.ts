import type { Image } from '@velociraptor/domain';
import type { ImageEntity } from './image.entity';

export function toImage(entity: ImageEntity, stackName: string): Image {
  return {
    id: entity.id,
    stackId: entity.stackId,
    stackName,
    name: entity.name,
    status: entity.status,
    snapshot: {
      baseImageUrl: entity.snapshotBaseImageUrl,
      baseImageChecksum: entity.snapshotBaseImageChecksum,
      script: entity.snapshotScript,
      env: entity.snapshotEnv,
      timeoutSeconds: entity.snapshotTimeoutSeconds,
      network: entity.snapshotNetwork,
    },
    triggeredBy: entity.triggeredBy,
    queuedAt: entity.queuedAt.toISOString(),
    startedAt: entity.startedAt?.toISOString() ?? null,
    finishedAt: entity.finishedAt?.toISOString() ?? null,
    size: entity.size,
    md5: entity.md5,
    sha256: entity.sha256,
    storageKey: entity.storageKey,
    logKey: entity.logKey,
    active: entity.active,
    errorMessage: entity.errorMessage,
  };
}
