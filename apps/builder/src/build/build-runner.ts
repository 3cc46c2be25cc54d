import { Inject, Injectable, Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import {
  formatBytes,
  formatDuration,
  type BuildPhase,
  type ImageBuildJob,
  type ImageStatus,
  type ImageStatusEvent,
} from '@velociraptor/domain';
import { ObjectStore } from '@velociraptor/storage';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';
import { BuildLog, type LogStreamSink } from '../logs/build-log';
import { describeBuildError } from './build-errors';
import { BuildAbort, CancelRegistry } from './cancel-registry';
import { Heartbeats } from './heartbeat';
import { BuildPipeline, type PipelineResult } from './pipeline';
import { StatusPublisher } from './status-publisher';
import { WorkDirs } from './work-dirs';

export const LOG_STREAM_SINK = Symbol('LOG_STREAM_SINK');

const PROGRESS_INTERVAL_MS = 250;
const LOG_UPLOAD_TIMEOUT_MS = 5 * 60_000;

type Outcome =
  | { status: 'succeeded'; result: PipelineResult }
  | { status: 'failed'; message: string; exitCode?: number }
  | { status: 'cancelled' };

/** Runs one image build job from start to its final status event. */
@Injectable()
export class BuildRunner {
  private readonly logger = new Logger(BuildRunner.name);

  constructor(
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
    private readonly workDirs: WorkDirs,
    private readonly heartbeats: Heartbeats,
    private readonly cancels: CancelRegistry,
    private readonly status: StatusPublisher,
    @Inject(LOG_STREAM_SINK) private readonly sink: LogStreamSink,
    private readonly pipeline: BuildPipeline,
    private readonly store: ObjectStore,
  ) {}

  async run(job: ImageBuildJob): Promise<ImageStatus> {
    const { imageId } = job;
    const heartbeat = await this.heartbeats.start(imageId);
    const controller = await this.cancels.register(imageId);
    let workDir: string | undefined;
    let outcome: Outcome | undefined;
    try {
      workDir = await this.workDirs.create(imageId);
      const log = new BuildLog(imageId, this.sink, {
        flushIntervalMs: this.config.logFlushIntervalMs,
        maxBatchLines: this.config.logFlushMaxLines,
        maxBytes: job.logMaxBytes,
        filePath: join(workDir, 'build.log'),
        onSinkError: (err) =>
          this.logger.warn(
            `live log of ${job.imageName} cannot be written to Redis: ${String(err)}`,
          ),
      });
      await this.status.publish({
        type: 'started',
        imageId,
        builderId: this.config.builderId,
        at: new Date().toISOString(),
      });
      this.logger.log(`building ${job.imageName} (${imageId})`);
      log.write(
        `[velociraptor] building image ${job.imageName} of stack ${job.stackName} on builder ${this.config.builderId}`,
      );

      outcome = await this.build(job, workDir, log, controller);

      log.write(`[velociraptor] ${summary(outcome)}`);
      await log.close(outcome.status);
      const logKey = await this.uploadLog(job, log.path);
      if (outcome.status === 'succeeded' && logKey === null) {
        // A succeeded event carries the log; report honestly instead.
        await this.store.remove(job.storageKey).catch(() => undefined);
        outcome = {
          status: 'failed',
          message: `the build log could not be saved to s3://${this.store.bucket}/${job.logKey}`,
        };
      }
      await this.status.publish(toEvent(job, outcome, logKey));
      this.logger.log(`${job.imageName}: ${summary(outcome)}`);
      return outcome.status;
    } catch (err) {
      // Something outside the pipeline broke (Redis, the work folder, S3 for the log).
      const message = `builder error: ${describeBuildError(err).message}`;
      this.logger.error(`${job.imageName}: ${message}`);
      outcome = { status: 'failed', message };
      await this.status
        .publish(toEvent(job, outcome, null))
        .catch((e: unknown) =>
          this.logger.error(
            `cannot report failure of ${imageId}: ${String(e)}`,
          ),
        );
      return 'failed';
    } finally {
      this.cancels.unregister(imageId);
      await heartbeat.stop();
      const keep =
        outcome?.status === 'failed' && this.config.keepFailedWorkDirs;
      if (workDir && !keep) {
        await this.workDirs
          .remove(workDir)
          .catch((err: unknown) =>
            this.logger.warn(`cannot remove ${workDir}: ${String(err)}`),
          );
      }
    }
  }

  private async build(
    job: ImageBuildJob,
    workDir: string,
    log: BuildLog,
    controller: AbortController,
  ): Promise<Outcome> {
    const timeoutSeconds = job.snapshot.timeoutSeconds;
    const timer = setTimeout(
      () => controller.abort(new BuildAbort('timed-out')),
      timeoutSeconds * 1000,
    );
    let lastProgress = 0;
    let lastPhase: BuildPhase | undefined;
    try {
      if (controller.signal.aborted)
        return abortOutcome(controller, timeoutSeconds);
      const result = await this.pipeline.run({
        imageId: job.imageId,
        imageName: job.imageName,
        snapshot: job.snapshot,
        format: job.format,
        storageKey: job.storageKey,
        workDir,
        signal: controller.signal,
        onLine: (line) => log.write(line),
        onProgress: (phase, done, total) => {
          const now = Date.now();
          if (
            phase === lastPhase &&
            now - lastProgress < PROGRESS_INTERVAL_MS
          ) {
            return;
          }
          lastPhase = phase;
          lastProgress = now;
          this.status.progress({ imageId: job.imageId, phase, done, total });
        },
      });
      if (controller.signal.aborted) {
        // Finished in the same instant it was cancelled: the cancel wins, the object goes.
        await this.store.remove(job.storageKey).catch(() => undefined);
        return abortOutcome(controller, timeoutSeconds);
      }
      return { status: 'succeeded', result };
    } catch (err) {
      if (controller.signal.aborted)
        return abortOutcome(controller, timeoutSeconds);
      return { status: 'failed', ...describeBuildError(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async uploadLog(
    job: ImageBuildJob,
    path: string,
  ): Promise<string | null> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.store.putStream(job.logKey, createReadStream(path), {
          contentType: 'text/plain; charset=utf-8',
          timeoutMs: LOG_UPLOAD_TIMEOUT_MS,
        });
        return job.logKey;
      } catch (err) {
        this.logger.warn(
          `uploading the log of ${job.imageName} failed (attempt ${attempt}): ${String(err)}`,
        );
      }
    }
    return null;
  }
}

function abortOutcome(
  controller: AbortController,
  timeoutSeconds: number,
): Outcome {
  const reason: unknown = controller.signal.reason;
  if (reason instanceof BuildAbort && reason.reason === 'timed-out') {
    return {
      status: 'failed',
      message: `timed out after ${formatDuration(timeoutSeconds)}`,
    };
  }
  if (reason instanceof BuildAbort && reason.reason === 'shutdown') {
    return {
      status: 'failed',
      message: 'the builder was shut down during the build',
    };
  }
  return { status: 'cancelled' };
}

function summary(outcome: Outcome): string {
  switch (outcome.status) {
    case 'succeeded':
      return `build succeeded: ${formatBytes(outcome.result.size)}, sha256 ${outcome.result.sha256}`;
    case 'failed':
      return `build failed: ${outcome.message}`;
    case 'cancelled':
      return 'build cancelled';
  }
}

function toEvent(
  job: ImageBuildJob,
  outcome: Outcome,
  logKey: string | null,
): ImageStatusEvent {
  const at = new Date().toISOString();
  switch (outcome.status) {
    case 'succeeded':
      return {
        type: 'succeeded',
        imageId: job.imageId,
        at,
        size: outcome.result.size,
        md5: outcome.result.md5,
        sha256: outcome.result.sha256,
        storageKey: job.storageKey,
        logKey: logKey ?? job.logKey,
      };
    case 'failed':
      return {
        type: 'failed',
        imageId: job.imageId,
        at,
        errorMessage: outcome.message,
        logKey,
        ...(outcome.exitCode !== undefined
          ? { exitCode: outcome.exitCode }
          : {}),
      };
    case 'cancelled':
      return { type: 'cancelled', imageId: job.imageId, at, logKey };
  }
}
