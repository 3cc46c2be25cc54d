import type { IsoDate } from '../common/primitives';
import type { ImageStatus } from '../images/image';

/** An app build runs inside its stack's active image. Behaviour comes with the app-builds work. */
export type BuildStatus = ImageStatus;

export interface Build {
  id: string;
  appId: string;
  ref: string;
  imageId: string | null;
  status: BuildStatus;
  queuedAt: IsoDate;
  startedAt: IsoDate | null;
  finishedAt: IsoDate | null;
  artifactKey: string | null;
  size: number | null;
  md5: string | null;
  sha256: string | null;
}
