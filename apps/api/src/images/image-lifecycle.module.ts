import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QUEUES } from '@velociraptor/domain';
import { LogsModule } from '../logs/logs.module';
import { StackEntity } from '../stacks/stack.entity';
import { BuilderReaper } from './builder-reaper';
import { ImageControlController } from './image-control.controller';
import { ImageControlService } from './image-control.service';
import { ImageEventsProcessor } from './image-events.processor';
import { ImageNotifications } from './image-notifications';
import { ImageRetention } from './image-retention';
import { ImageStatusService } from './image-status.service';
import { ImageEntity } from './image.entity';
import { ImagesModule } from './images.module';

/**
 * What happens to an image after it is queued: builder events, the reaper,
 * cancel/activate/delete/download and retention. Kept apart from
 * ImagesModule (queueing and reading), which it builds on.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ImageEntity, StackEntity]),
    BullModule.registerQueue(
      { name: QUEUES.imageBuilds },
      { name: QUEUES.imageEvents },
    ),
    ImagesModule,
    LogsModule,
  ],
  controllers: [ImageControlController],
  providers: [
    ImageStatusService,
    ImageRetention,
    ImageEventsProcessor,
    BuilderReaper,
    ImageControlService,
    ImageNotifications,
  ],
})
export class ImageLifecycleModule {}
