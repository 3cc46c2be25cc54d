import * as z from 'zod';
import type { EnvMap, IsoDate } from '../common/primitives';
import type { NetworkMode } from '../stacks/stack';

export const IMAGE_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export const imageStatusSchema = z.enum(IMAGE_STATUSES);
export type ImageStatus = z.infer<typeof imageStatusSchema>;

export const FINISHED_IMAGE_STATUSES: readonly ImageStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
];
export function isFinished(status: ImageStatus): boolean {
  return FINISHED_IMAGE_STATUSES.includes(status);
}

export type ImageFormat = 'zstd' | 'gzip';

/** Exactly what an image was built from, frozen when the build is queued. */
export interface ImageSnapshot {
  baseImageUrl: string;
  baseImageChecksum: string | null;
  script: string;
  env: EnvMap;
  timeoutSeconds: number;
  network: NetworkMode;
}

/** An OS image: one build of a stack ("OS images are to stacks as builds are to apps"). */
export interface Image {
  id: string;
  stackId: string;
  stackName: string;
  /** `<stack>_<YYYYMMDD>_<n>` */
  name: string;
  status: ImageStatus;
  snapshot: ImageSnapshot;
  triggeredBy: string | null;
  queuedAt: IsoDate;
  startedAt: IsoDate | null;
  finishedAt: IsoDate | null;
  size: number | null;
  md5: string | null;
  sha256: string | null;
  storageKey: string | null;
  logKey: string | null;
  active: boolean;
  errorMessage: string | null;
}

/** `<stack>_<YYYYMMDD>_<n>`; n starts at 1 each day. */
export function imageName(
  stackName: string,
  date: Date,
  sequence: number,
): string {
  const y = date.getUTCFullYear().toString().padStart(4, '0');
  const m = (date.getUTCMonth() + 1).toString().padStart(2, '0');
  const d = date.getUTCDate().toString().padStart(2, '0');
  return `${stackName}_${y}${m}${d}_${sequence}`;
}

/** Object-store key layout (documented in docs/architecture.md). */
export const storageKeys = {
  image: (stackName: string, imageName: string, format: ImageFormat = 'zstd') =>
    `images/${stackName}/${imageName}.${format === 'zstd' ? 'tar.zst' : 'tar.gz'}`,
  imageLog: (stackName: string, imageName: string) =>
    `logs/images/${stackName}/${imageName}.log`,
};
