import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QUEUES } from '@velociraptor/domain';
import { BuildQueue } from './build-queue';
import { ImageEntity } from './image.entity';
import { ImagesController } from './images.controller';
import { ImagesService } from './images.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([ImageEntity]),
    BullModule.registerQueue({ name: QUEUES.imageBuilds }),
  ],
  controllers: [ImagesController],
  providers: [ImagesService, BuildQueue],
  exports: [ImagesService, BuildQueue],
})
export class ImagesModule {}
