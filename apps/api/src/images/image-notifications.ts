import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import Redis from 'ioredis';
import {
  QUEUES,
  redisKeys,
  type BuildProgress,
  type ImageBuildJob,
} from '@velociraptor/domain';
import { AppConfig } from '../config';
import { DashboardEvents } from '../logs/dashboard-events';
import { ImagesService } from './images.service';

/**
 * `image:queued` and `image:progress` come from events every API process
 * receives by itself (Bull's global `waiting`, the progress channel), so each
 * process tells only its own sockets.
 */
@Injectable()
export class ImageNotifications
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('ImageNotifications');
  private subscriber: Redis | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @InjectQueue(QUEUES.imageBuilds)
    private readonly builds: Queue<ImageBuildJob>,
    @Inject(ImagesService) private readonly images: ImagesService,
    @Inject(DashboardEvents) private readonly dashboard: DashboardEvents,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.builds.on('global:waiting', (jobId: string | number) => {
      this.images.get(String(jobId)).then(
        (image) => {
          if (image.status === 'queued') this.dashboard.queued(image);
        },
        () => undefined,
      );
    });
    this.subscriber = new Redis(this.config.redisUrl, {
      connectionName: 'vr-api-progress',
    });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.dashboard.progress(JSON.parse(message) as BuildProgress);
      } catch {
        this.logger.warn('ignored a malformed progress message');
      }
    });
    await this.subscriber.subscribe(redisKeys.progressChannel);
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }
}
