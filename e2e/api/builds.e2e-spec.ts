import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import type { Image, ImageSucceededPayload } from '@velociraptor/domain';
import {
  BUSYBOX_IMAGE,
  DEBIAN_IMAGE,
  LogWatcher,
  TestSystem,
  connectSocket,
  eventually,
  type TypedSocket,
} from '../support';

const ESC = '\u001b';
// Built from a string: a control character in a regex literal is a lint error.
const ANSI_SGR = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const stripAnsi = (s: string) => s.replace(ANSI_SGR, '');

/** Containers under the run's private lxcpath. */
function containers(system: TestSystem): string[] {
  if (!existsSync(system.lxcPath)) return [];
  return execFileSync('lxc-ls', ['-P', system.lxcPath, '-1'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

function workFolders(system: TestSystem): string[] {
  return existsSync(system.workDir) ? readdirSync(system.workDir) : [];
}

describe('image builds', () => {
  let system: TestSystem;
  const sockets: TypedSocket[] = [];
  const socket = async (api = 0) => {
    const s = await connectSocket(system.apis[api].url, system.token);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    for (const f of [BUSYBOX_IMAGE, DEBIAN_IMAGE]) {
      if (!existsSync(f))
        throw new Error(
          `missing fixture ${f}: run scripts/fixtures/make-base-images.sh`,
        );
    }
    system = await TestSystem.start({
      apis: 2,
      builders: 1,
      apiEnv: { BUILDER_HEARTBEAT_TIMEOUT_SECONDS: '3', IMAGE_RETENTION: '2' },
      builderEnv: {
        BUILDER_HEARTBEAT_TTL_SECONDS: '2',
        BUILDER_CONCURRENCY: '2',
      },
    });
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await system?.stop();
  });

  it('builds a Debian image live-streaming 10,000 lines to two watchers, activates it and stores it intact', async () => {
    // Slow enough (a pause every 500 lines) that the second watcher really joins halfway.
    const script = [
      'set -e',
      'apt-get update',
      'apt-get install -y --no-install-recommends jq',
      'jq --version',
      'i=1',
      'while [ $i -le 10000 ]; do',
      `  if [ $((i % 7)) -eq 0 ]; then printf '\\033[32mnumbered %d\\033[0m\\n' $i; else echo "numbered $i"; fi`,
      '  if [ $((i % 500)) -eq 0 ]; then sleep 0.1; fi',
      '  i=$((i+1))',
      'done',
    ].join('\n');
    await system.api.createStack({
      name: 'debian-jq',
      baseImageUrl: DEBIAN_IMAGE,
      script,
      timeoutSeconds: 1800,
    });
    const s1 = await socket();
    const succeeded: ImageSucceededPayload[] = [];
    s1.on('image:succeeded', (p) => succeeded.push(p));
    const queued = await system.api.build('debian-jq');
    const early = await LogWatcher.subscribe(s1, queued.id);

    // Halfway: when the first watcher has seen numbered line 5000.
    await eventually('line 5000 at the first watcher', async () =>
      early.lines.some((l) => l === 'numbered 5000') ? true : undefined,
    );
    const late = await LogWatcher.subscribe(await socket(), queued.id);

    const [endEarly, endLate] = await Promise.all([
      early.waitForEnd(),
      late.waitForEnd(),
    ]);
    expect(endEarly.status).toBe('succeeded');
    expect(endLate).toEqual(endEarly);
    for (const w of [early, late]) {
      expect(w.duplicates).toEqual([]);
      expect(w.gaps).toEqual([]);
      expect(w.count).toBe(endEarly.lastSeq);
      const numbered = w.lines
        .map(stripAnsi)
        .filter((l) => /^numbered \d+$/.test(l));
      expect(numbered).toEqual(
        Array.from({ length: 10_000 }, (_, i) => `numbered ${i + 1}`),
      );
    }
    expect(late.lines).toEqual(early.lines);
    expect(early.lines).toContain(`${ESC}[32mnumbered 7${ESC}[0m`);
    expect(early.lines.some((l) => /^jq-1\.\d/.test(l))).toBe(true);

    const image = await system.api.waitForImage(queued.id);
    expect(image).toMatchObject({
      status: 'succeeded',
      active: true,
      errorMessage: null,
    });
    expect((await system.api.getStack('debian-jq')).activeImageId).toBe(
      image.id,
    );
    await eventually('image:succeeded event', async () =>
      succeeded.find((p) => p.image.id === image.id) ? true : undefined,
    );

    // The stored object is exactly what was recorded.
    const res = await system.api.raw('GET', `/images/${image.id}/download`);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(image.size);
    expect(res.headers.get('content-disposition')).toContain(
      `${image.name}.tar.zst`,
    );
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      md5.update(chunk);
      sha256.update(chunk);
      size += chunk.length;
    }
    expect({
      size,
      md5: md5.digest('hex'),
      sha256: sha256.digest('hex'),
    }).toEqual({
      size: image.size,
      md5: image.md5,
      sha256: image.sha256,
    });
    const stat = await system
      .s3()
      .statObject(system.bucket, image.storageKey ?? '');
    expect(stat.size).toBe(image.size);

    // The raw log is exactly the lines the watchers received.
    expect(await system.api.log(image.id)).toBe(early.lines.join('\n') + '\n');

    const presigned = await system.api.request<{
      url: string;
      expiresAt: string;
    }>('GET', `/images/${image.id}/download?presigned=1`);
    expect(new Date(presigned.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const direct = await fetch(presigned.url);
    expect(direct.status).toBe(200);
    expect((await direct.arrayBuffer()).byteLength).toBe(image.size);
  });

  it('records a failing script as failed, keeps its log and leaves the active image alone', async () => {
    await system.api.createStack({
      name: 'fails',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo first run',
      timeoutSeconds: 600,
    });
    const good = await system.api.waitForImage(
      (await system.api.build('fails')).id,
    );
    expect(good).toMatchObject({ status: 'succeeded', active: true });

    await system.api.request('PATCH', '/stacks/fails', {
      script: 'echo "about to fail"\necho oops >&2\nexit 3',
    });
    const s = await socket();
    const failedEvents: string[][] = [];
    s.on('image:failed', (p) => failedEvents.push(p.lastLines));
    const bad = await system.api.waitForImage(
      (await system.api.build('fails')).id,
    );
    expect(bad).toMatchObject({
      status: 'failed',
      active: false,
      errorMessage: 'script exited with status 3',
    });
    expect(bad.logKey).not.toBeNull();
    const log = await system.api.log(bad.id);
    expect(log).toContain('about to fail\n');
    expect(log).toContain('oops\n');
    expect(log).toContain('build failed: script exited with status 3');
    expect((await system.api.getStack('fails')).activeImageId).toBe(good.id);
    expect((await system.api.image(good.id)).active).toBe(true);
    await eventually('image:failed event', async () =>
      failedEvents.some((lines) => lines.includes('about to fail'))
        ? true
        : undefined,
    );

    // The log of a finished build replays from the archive too.
    const replay = await LogWatcher.subscribe(await socket(), bad.id);
    expect((await replay.waitForEnd()).status).toBe('failed');
    expect(replay.lines.join('\n') + '\n').toBe(log);

    // Control endpoints: the failed image cannot be activated or downloaded; the active one cannot be deleted.
    await expect(system.api.activate(bad.id)).rejects.toMatchObject({
      status: 409,
    });
    expect(
      (await system.api.raw('GET', `/images/${bad.id}/download`)).status,
    ).toBe(409);
    await expect(system.api.deleteImage(good.id)).rejects.toMatchObject({
      status: 409,
    });
    await system.api.deleteImage(bad.id);
    await expect(system.api.image(bad.id)).rejects.toMatchObject({
      status: 404,
    });
    expect(await system.objectKeys(`logs/images/fails/${bad.name}`)).toEqual(
      [],
    );
  });

  it('rolls back to an older image and keeps only IMAGE_RETENTION succeeded images', async () => {
    await system.api.createStack({
      name: 'rollback',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo v1',
    });
    const first = await system.api.waitForImage(
      (await system.api.build('rollback')).id,
    );
    const second = await system.api.waitForImage(
      (await system.api.build('rollback')).id,
    );
    expect((await system.api.image(first.id)).active).toBe(false);
    expect(second.active).toBe(true);
    const rolledBack = await system.api.activate(first.id);
    expect(rolledBack.active).toBe(true);
    expect((await system.api.image(second.id)).active).toBe(false);
    expect((await system.api.getStack('rollback')).activeImageId).toBe(
      first.id,
    );
  });

  it('cancels a running build: the container is killed and nothing is left', async () => {
    await system.api.createStack({
      name: 'cancel-me',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo started\nsleep 600\necho never',
    });
    const queued = await system.api.build('cancel-me');
    const watcher = await LogWatcher.subscribe(await socket(), queued.id);
    await eventually('the script to start', async () =>
      watcher.lines.includes('started') ? true : undefined,
    );
    expect(containers(system)).toHaveLength(1);
    const answer = await system.api.cancel(queued.id);
    expect(answer.status).toBe('running');
    const image = await system.api.waitForImage(queued.id);
    expect(image.status).toBe('cancelled');
    expect((await watcher.waitForEnd()).status).toBe('cancelled');
    expect(watcher.lines).not.toContain('never');
    expect(await system.api.log(image.id)).toContain('build cancelled');
    await eventually('no container and no work folder', async () =>
      containers(system).length === 0 && workFolders(system).length === 0
        ? true
        : undefined,
    );
    await expect(system.api.cancel(image.id)).rejects.toMatchObject({
      status: 409,
    });
  });

  it('gives two builds of one stack started at once distinct names', async () => {
    await system.api.createStack({
      name: 'twins',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo twin',
    });
    const [a, b] = await Promise.all([
      system.api.build('twins'),
      system.api.build('twins'),
    ]);
    expect(a.name).not.toBe(b.name);
    expect([a.name, b.name].sort()).toEqual([
      expect.stringMatching(/^twins_\d{8}_1$/),
      expect.stringMatching(/^twins_\d{8}_2$/),
    ]);
    const done = await Promise.all([
      system.api.waitForImage(a.id),
      system.api.waitForImage(b.id),
    ]);
    expect(done.map((i) => i.status)).toEqual(['succeeded', 'succeeded']);
    const images = await system.api.images('twins');
    expect(images.filter((i: Image) => i.active)).toHaveLength(1);
  });

  it('streams the log to a socket on a second API process', async () => {
    await system.api.createStack({
      name: 'two-apis',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'i=1; while [ $i -le 2000 ]; do echo "row $i"; i=$((i+1)); done',
    });
    const other = await socket(1);
    const started: string[] = [];
    other.on('image:started', (p) => started.push(p.image.id));
    const queued = await system.apis[0].client.build('two-apis');
    const watcher = await LogWatcher.subscribe(other, queued.id);
    expect((await watcher.waitForEnd()).status).toBe('succeeded');
    expect(watcher.duplicates).toEqual([]);
    expect(watcher.gaps).toEqual([]);
    expect(watcher.lines.filter((l) => l.startsWith('row '))).toEqual(
      Array.from({ length: 2000 }, (_, i) => `row ${i + 1}`),
    );
    await eventually('image:started on the second API', async () =>
      started.includes(queued.id) ? true : undefined,
    );
  });

  it('fails the image of a builder killed mid-build; the next builder removes its leftovers', async () => {
    await system.api.createStack({
      name: 'crash',
      baseImageUrl: BUSYBOX_IMAGE,
      script: 'echo running\nsleep 600',
    });
    const queued = await system.api.build('crash');
    const watcher = await LogWatcher.subscribe(await socket(), queued.id);
    await eventually('the script to start', async () =>
      watcher.lines.includes('running') ? true : undefined,
    );
    const [builder] = system.builders.filter((b) => b.running);
    await builder.kill();
    expect(containers(system)).toHaveLength(1);
    expect(workFolders(system)).toHaveLength(1);

    const image = await system.api.waitForImage(queued.id, ['failed'], 120_000);
    expect(image.errorMessage).toBe('builder stopped responding');
    expect((await watcher.waitForEnd()).status).toBe('failed');
    expect(await system.api.log(image.id)).toContain('running\n');

    await system.startBuilder();
    expect(containers(system)).toEqual([]);
    expect(workFolders(system)).toEqual([]);
  });
});
