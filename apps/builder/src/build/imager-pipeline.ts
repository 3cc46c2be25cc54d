import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  buildImage,
  createDefaultDeps,
  type ImagerDeps,
} from '@velociraptor/imager';
import { Lxc } from '@velociraptor/lxc';
import { ObjectStore } from '@velociraptor/storage';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';
import {
  BuildPipeline,
  type PipelineRequest,
  type PipelineResult,
} from './pipeline';

/** The real build: libs/imager over LXC, streaming the packed image to the object store. */
@Injectable()
export class ImagerPipeline extends BuildPipeline {
  private readonly logger = new Logger(ImagerPipeline.name);
  private readonly deps: ImagerDeps;
  private readonly lxc: Lxc;

  constructor(
    @Inject(BUILDER_CONFIG) private readonly config: BuilderConfig,
    private readonly store: ObjectStore,
  ) {
    super();
    this.deps = createDefaultDeps({
      cacheDir: config.cacheDir,
      lxcPath: config.lxcPath,
    });
    this.lxc = new Lxc({
      lxcPath: config.lxcPath,
      logger: {
        log: (m) => this.logger.log(m),
        warn: (m) => this.logger.warn(m),
      },
    });
  }

  async run(request: PipelineRequest): Promise<PipelineResult> {
    const { snapshot } = request;
    const result = await buildImage(
      {
        baseImageUrl: snapshot.baseImageUrl,
        baseImageChecksum: snapshot.baseImageChecksum ?? undefined,
        env: snapshot.env,
        network: snapshot.network,
        workRoot: request.workDir,
        signal: request.signal,
        script: { content: snapshot.script },
        destination: { kind: 's3', store: this.store, key: request.storageKey },
        format: request.format,
        keepWorkDir: this.config.keepFailedWorkDirs ? 'on-failure' : 'never',
        onLine: (line) => request.onLine(line),
        onLog: (message) => request.onLine(`[velociraptor] ${message}`),
        onPhase: (phase) => {
          if (phase === 'fetch') request.onProgress('download');
          else if (
            phase === 'unpack' ||
            phase === 'script' ||
            phase === 'pack'
          ) {
            request.onLine(`[velociraptor] ${PHASE_LINES[phase]}`);
            request.onProgress(phase);
          }
        },
        onProgress: (p) =>
          request.onProgress(
            p.phase === 'fetch'
              ? 'download'
              : p.phase === 'pack'
                ? 'upload'
                : p.phase,
            p.bytes,
            p.total,
          ),
      },
      this.deps,
    );
    return { size: result.size, md5: result.md5, sha256: result.sha256 };
  }

  cleanupStale(): Promise<string[]> {
    return this.lxc.cleanupStale();
  }
}

const PHASE_LINES = {
  unpack: 'unpacking the base image',
  script: 'running the provisioning script',
  pack: 'packing and uploading the image',
} as const;
