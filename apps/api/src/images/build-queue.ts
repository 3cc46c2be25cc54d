import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { type ImageBuildJob, QUEUES } from '@velociraptor/domain';

const ADD_TIMEOUT_MS = 10_000;

/** The image-builds Bull queue, behind a small class so the rest of the API does not touch Bull. */
@Injectable()
export class BuildQueue {
  constructor(
    @InjectQueue(QUEUES.imageBuilds)
    private readonly queue: Queue<ImageBuildJob>,
  ) {}

  /** Adds the job with the image id as job id, so a retry of the same image cannot queue it twice. */
  async add(job: ImageBuildJob): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // Bull waits forever for an unreachable Redis; a request must not.
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `Redis did not accept the job within ${ADD_TIMEOUT_MS} ms`,
            ),
          ),
        ADD_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([
        this.queue.add(job, {
          jobId: job.imageId,
          // Builds are not retried automatically: a failed build is a result people look at.
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: true,
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops a job that has not started yet; false when there was none to drop. */
  async removeWaiting(imageId: string): Promise<boolean> {
    const job = await this.queue.getJob(imageId);
    if (!job || !((await job.isWaiting()) || (await job.isDelayed())))
      return false;
    await job.remove();
    return true;
  }
}
