import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { QUEUES } from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import { BUILDER_CONFIG, type BuilderConfig } from './config/builder.config';
import { BuildRunner, LOG_STREAM_SINK } from './build/build-runner';
import { CancelRegistry } from './build/cancel-registry';
import { Heartbeats } from './build/heartbeat';
import { ImageBuildProcessor } from './build/image-build.processor';
import { ImagerPipeline } from './build/imager-pipeline';
import { BuildPipeline } from './build/pipeline';
import { StatusPublisher } from './build/status-publisher';
import { WorkDirs } from './build/work-dirs';
import { RedisLogSink } from './logs/redis-log-sink';
import { RedisClient } from './redis/redis.providers';

@Module({})
export class BuilderModule {
  /** The configuration is parsed once by main.ts and handed in here. */
  static forConfig(config: BuilderConfig) {
    return {
      module: BuilderModule,
      imports: [
        BullModule.forRoot({
          url: config.redisUrl,
          settings: {
            // A job whose builder died is not handed to another builder: the
            // API's reaper fails the image (its work may be half done).
            maxStalledCount: 0,
          },
        }),
        BullModule.registerQueue(
          { name: QUEUES.imageBuilds },
          { name: QUEUES.imageEvents },
        ),
      ],
      providers: [
        { provide: BUILDER_CONFIG, useValue: config },
        RedisClient,
        {
          provide: ObjectStore,
          useFactory: () => new ObjectStore({ ...config.s3 }),
        },
        { provide: BuildPipeline, useClass: ImagerPipeline },
        { provide: LOG_STREAM_SINK, useClass: RedisLogSink },
        WorkDirs,
        Heartbeats,
        CancelRegistry,
        StatusPublisher,
        BuildRunner,
        ImageBuildProcessor,
      ],
    };
  }
}
