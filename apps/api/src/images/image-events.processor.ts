import { Process, Processor } from '@nestjs/bull';
import { Inject } from '@nestjs/common';
import { QUEUES, type ImageStatusEvent } from '@velociraptor/domain';
import type { Job } from 'bull';
import { ImageStatusService } from './image-status.service';

/** Builders → API: every API process consumes `image-events`; each event is handled once. */
@Processor(QUEUES.imageEvents)
export class ImageEventsProcessor {
  constructor(
    @Inject(ImageStatusService) private readonly status: ImageStatusService,
  ) {}

  @Process()
  async handle(job: Job<ImageStatusEvent>): Promise<void> {
    // Errors (the database is down) fail the job; the builder added it with retries.
    await this.status.apply(job.data);
  }
}
