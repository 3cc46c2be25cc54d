import type { ImageFormat, ImageSnapshot } from './images/image';

/**
 * The builder reaches the API's data only through these queues, Redis and the object store,
 * so a builder host needs no database credentials.
 */
export const QUEUES = {
  /** API → builders: one job per image build; the job id is the image id. */
  imageBuilds: 'image-builds',
  /** Builders → API: status changes the API records in the database. */
  imageEvents: 'image-events',
} as const;

export interface ImageBuildJob {
  imageId: string;
  imageName: string;
  stackName: string;
  snapshot: ImageSnapshot;
  format: ImageFormat;
  storageKey: string;
  logKey: string;
  /** Log size cap in bytes; past it the log ends with a truncation line. */
  logMaxBytes: number;
}

export type ImageStatusEvent =
  | { type: 'started'; imageId: string; builderId: string; at: string }
  | {
      type: 'succeeded';
      imageId: string;
      at: string;
      size: number;
      md5: string;
      sha256: string;
      storageKey: string;
      logKey: string;
    }
  | {
      type: 'failed';
      imageId: string;
      at: string;
      errorMessage: string;
      logKey: string | null;
      exitCode?: number;
    }
  | { type: 'cancelled'; imageId: string; at: string; logKey: string | null };

/** Redis keys and channels shared by the API and the builders. */
export const redisKeys = {
  /** A stream of log batches: fields `seq` (first line's sequence number) and `lines` (JSON string[]); `end` marks the end. */
  logStream: (imageId: string) => `vr:log:${imageId}`,
  /** Set by the builder while it works on an image; expires when the builder dies. */
  heartbeat: (imageId: string) => `vr:heartbeat:${imageId}`,
  /** Pub/sub channel: message is an image id whose build must be cancelled. */
  cancelChannel: 'vr:cancel',
  /**
   * Set (with a TTL) when a build is cancelled, so a builder that picks the job up
   * after the pub/sub message went out still sees the cancel.
   */
  cancelled: (imageId: string) => `vr:cancelled:${imageId}`,
  /** Pub/sub channel for build progress (download/unpack/script/pack/upload). */
  progressChannel: 'vr:progress',
} as const;

export type BuildPhase = 'download' | 'unpack' | 'script' | 'pack' | 'upload';
export interface BuildProgress {
  imageId: string;
  phase: BuildPhase;
  /** Bytes done and total, where known. */
  done?: number;
  total?: number;
}
