import type {
  BuildPhase,
  ImageFormat,
  ImageSnapshot,
} from '@velociraptor/domain';

export interface PipelineRequest {
  imageId: string;
  imageName: string;
  snapshot: ImageSnapshot;
  format: ImageFormat;
  /** Object key the packed image is streamed to. */
  storageKey: string;
  /** Private scratch folder of this build (removed by the caller). */
  workDir: string;
  /** Aborting kills the container and stops the upload. */
  signal: AbortSignal;
  onLine(line: string): void;
  onProgress(phase: BuildPhase, done?: number, total?: number): void;
}

export interface PipelineResult {
  size: number;
  md5: string;
  sha256: string;
}

/** The image build itself (libs/imager in production, a fake in unit tests). */
export abstract class BuildPipeline {
  abstract run(request: PipelineRequest): Promise<PipelineResult>;
  /** Removes what a crashed builder left behind (containers, mounts). */
  abstract cleanupStale(): Promise<string[]>;
}
