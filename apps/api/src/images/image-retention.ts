import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ObjectStore } from '@velociraptor/storage';
import { AppConfig } from '../config';
import { ImageEntity } from './image.entity';

/**
 * Keeps the newest IMAGE_RETENTION succeeded images of a stack; older ones
 * go with their objects. The active image always stays, even when old.
 */
@Injectable()
export class ImageRetention {
  private readonly logger = new Logger('ImageRetention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(ObjectStore) private readonly store: ObjectStore,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Returns the names of the images removed. */
  async apply(stackId: string): Promise<string[]> {
    const repo = this.dataSource.getRepository(ImageEntity);
    const succeeded = await repo.find({
      where: { stackId, status: 'succeeded' },
      order: { finishedAt: 'DESC', queuedAt: 'DESC' },
    });
    const old = succeeded
      .slice(this.config.imageRetention)
      .filter((image) => !image.active);
    const removed: string[] = [];
    for (const image of old) {
      // The row goes first (only if still inactive), so nobody is offered a file that is gone.
      const result = await repo.delete({ id: image.id, active: false });
      if (!result.affected) continue;
      await this.removeObjects(image);
      removed.push(image.name);
    }
    if (removed.length) {
      this.logger.log(`removed old images: ${removed.join(', ')}`);
    }
    return removed;
  }

  async removeObjects(image: ImageEntity): Promise<void> {
    for (const key of [image.storageKey, image.logKey]) {
      if (!key) continue;
      await this.store
        .remove(key)
        .catch((err: unknown) =>
          this.logger.warn(`cannot remove s3 object ${key}: ${String(err)}`),
        );
    }
  }
}
