import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type {
  ImageBuildJob,
  ImageStatusEvent,
  LogStreamEntry,
} from '@velociraptor/domain';
import type { ObjectStore } from '@velociraptor/storage';
import { loadBuilderConfig } from '../config/builder.config';
import type { LogStreamSink } from '../logs/build-log';
import { BuildRunner } from './build-runner';
import { BuildAbort, type CancelRegistry } from './cancel-registry';
import type { Heartbeats } from './heartbeat';
import {
  BuildPipeline,
  type PipelineRequest,
  type PipelineResult,
} from './pipeline';
import type { StatusPublisher } from './status-publisher';
import { WorkDirs } from './work-dirs';

class FakePipeline extends BuildPipeline {
  behaviour: (r: PipelineRequest) => Promise<PipelineResult> = async (r) => {
    r.onLine('hello');
    return { size: 3, md5: 'm', sha256: 's' };
  };
  seenWorkDir = '';
  run(r: PipelineRequest) {
    this.seenWorkDir = r.workDir;
    return this.behaviour(r);
  }
  async cleanupStale() {
    return [];
  }
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  const config = loadBuilderConfig({
    REDIS_URL: 'redis://x:1',
    S3_ENDPOINT: 'http://x:1',
    S3_ACCESS_KEY: 'a',
    S3_SECRET_KEY: 'b',
    BUILDER_WORK_DIR: dir,
    BUILDER_ID: 'b1',
    LOG_FLUSH_INTERVAL_MS: '1',
  });
  const events: ImageStatusEvent[] = [];
  const entries: LogStreamEntry[] = [];
  const uploads = new Map<string, string>();
  const removed: string[] = [];
  let beating = false;
  let controller: AbortController | undefined;
  const heartbeats = {
    start: async () => {
      beating = true;
      return { stop: async () => void (beating = false) };
    },
  } as unknown as Heartbeats;
  const cancels = {
    register: async () => (controller = new AbortController()),
    unregister: () => undefined,
  } as unknown as CancelRegistry;
  const status = {
    publish: async (e: ImageStatusEvent) => void events.push(e),
    progress: () => undefined,
  } as unknown as StatusPublisher;
  const sink: LogStreamSink = {
    append: async (_id, e) => void entries.push(...e),
    end: async (_id, e) => void entries.push(e),
  };
  const store = {
    bucket: 'b',
    putStream: async (key: string, source: Readable) => {
      let text = '';
      for await (const c of source) text += String(c);
      uploads.set(key, text);
      return { size: text.length };
    },
    remove: async (key: string) => void removed.push(key),
  } as unknown as ObjectStore;
  const pipeline = new FakePipeline();
  const runner = new BuildRunner(
    config,
    new WorkDirs(config),
    heartbeats,
    cancels,
    status,
    sink,
    pipeline,
    store,
  );
  const job: ImageBuildJob = {
    imageId: 'i1',
    imageName: 'web_20260101_1',
    stackName: 'web',
    snapshot: {
      baseImageUrl: '/base.tar',
      baseImageChecksum: null,
      script: 'true',
      env: {},
      timeoutSeconds: 3600,
      network: 'host',
    },
    format: 'zstd',
    storageKey: 'images/web/web_20260101_1.tar.zst',
    logKey: 'logs/images/web/web_20260101_1.log',
    logMaxBytes: 1024 * 1024,
  };
  return {
    dir,
    runner,
    pipeline,
    job,
    events,
    entries,
    uploads,
    removed,
    isBeating: () => beating,
    abort: (reason: BuildAbort) => controller?.abort(reason),
  };
}

describe('BuildRunner', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => (t = setup()));
  afterEach(() => rmSync(t.dir, { recursive: true, force: true }));

  it('reports started then succeeded, uploads the log and removes the work folder', async () => {
    expect(await t.runner.run(t.job)).toBe('succeeded');
    expect(t.events.map((e) => e.type)).toEqual(['started', 'succeeded']);
    expect(t.events[1]).toMatchObject({
      size: 3,
      md5: 'm',
      sha256: 's',
      storageKey: t.job.storageKey,
      logKey: t.job.logKey,
    });
    const log = t.uploads.get(t.job.logKey) ?? '';
    expect(log.split('\n')).toEqual([
      expect.stringContaining('building image web_20260101_1'),
      'hello',
      expect.stringContaining('build succeeded'),
      '',
    ]);
    expect(t.entries.at(-1)).toEqual({
      kind: 'end',
      status: 'succeeded',
      lastSeq: 3,
      truncated: false,
    });
    expect(t.pipeline.seenWorkDir.startsWith(t.dir)).toBe(true);
    expect(readdirSync(t.dir)).toEqual([]);
    expect(t.isBeating()).toBe(false);
  });

  it('reports a failed script with its status', async () => {
    t.pipeline.behaviour = async () => {
      throw Object.assign(new Error('x'), {
        code: 'SCRIPT_FAILED',
        exitCode: 3,
      });
    };
    expect(await t.runner.run(t.job)).toBe('failed');
    expect(t.events[1]).toMatchObject({
      type: 'failed',
      errorMessage: 'script exited with status 3',
      exitCode: 3,
      logKey: t.job.logKey,
    });
    expect(t.uploads.get(t.job.logKey)).toContain(
      'build failed: script exited with status 3',
    );
  });

  it('reports a cancel as cancelled and a timeout as failed', async () => {
    t.pipeline.behaviour = (r) =>
      new Promise((_, reject) =>
        r.signal.addEventListener('abort', () => reject(new Error('killed'))),
      );
    const running = t.runner.run(t.job);
    await new Promise((r) => setTimeout(r, 20));
    t.abort(new BuildAbort('cancelled'));
    expect(await running).toBe('cancelled');
    expect(t.events[1]).toMatchObject({
      type: 'cancelled',
      logKey: t.job.logKey,
    });

    const t2 = setup();
    t2.pipeline.behaviour = t.pipeline.behaviour;
    t2.job.snapshot.timeoutSeconds = 0.05;
    expect(await t2.runner.run(t2.job)).toBe('failed');
    expect(t2.events[1]).toMatchObject({ errorMessage: 'timed out after 0s' });
    rmSync(t2.dir, { recursive: true, force: true });
  });
});
