import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ImageEntity } from '../images/image.entity';
import { ImageLogLookup, type ImageLogInfo } from './log-subscriptions';

@Injectable()
export class DbImageLogLookup extends ImageLogLookup {
  constructor(
    @InjectRepository(ImageEntity)
    private readonly images: Repository<ImageEntity>,
  ) {
    super();
  }

  async find(imageId: string): Promise<ImageLogInfo | null> {
    const image = await this.images.findOne({
      where: { id: imageId },
      select: { id: true, status: true, logKey: true },
    });
    return image ? { status: image.status, logKey: image.logKey } : null;
  }
}
