import { InjectQueue } from '@nestjs/bull';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { QUEUES, type ImageBuildJob } from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import type { Job, Queue } from 'bull';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';
import { BuildRunner } from './build-runner';
import { CancelRegistry } from './cancel-registry';
import { BuildPipeline } from './pipeline';
import { WorkDirs } from './work-dirs';

/**
 * Consumes `image-builds`. The handler is registered by hand rather than with
 * `@Process()` because the concurrency comes from the configuration, which a
 * decorator would have to read at import time.
 */
@Injectable()
export class ImageBuildProcessor
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(ImageBuildProcessor.name);

  constructor(
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
    @InjectQueue(QUEUES.imageBuilds)
    private readonly builds: Queue<ImageBuildJob>,
    private readonly runner: BuildRunner,
    private readonly pipeline: BuildPipeline,
    private readonly workDirs: WorkDirs,
    private readonly cancels: CancelRegistry,
    private readonly store: ObjectStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Leftovers of a builder that crashed on this host: its containers first
    // (they hold mounts inside the work folders), then the folders.
    const containers = await this.pipeline.cleanupStale();
    const folders = await this.workDirs.cleanupStale();
    if (containers.length + folders.length > 0) {
      this.logger.log(
        `removed ${containers.length} stale container(s) and ${folders.length} work folder(s)`,
      );
    }
    await this.store.ensureBucket();
    void this.builds
      .process(this.config.concurrency, (job: Job<ImageBuildJob>) =>
        this.runner.run(job.data),
      )
      .catch((err: unknown) =>
        this.logger.error(`the build queue stopped: ${String(err)}`),
      );
    this.logger.log(
      `builder ${this.config.builderId} is taking builds (concurrency ${this.config.concurrency})`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Running builds end as failed and report it; close() waits for their handlers.
    this.cancels.abortAll('shutdown');
    await this.builds.close();
  }
}
