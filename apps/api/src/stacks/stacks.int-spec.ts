import type { Queue } from 'bull';
import { getQueueToken } from '@nestjs/bull';
import {
  type App,
  type AuditEntry,
  type Image,
  type ImageBuildJob,
  type Page,
  QUEUES,
  type SaveStackResponse,
  type Stack,
  type StackSummary,
} from '@velociraptor/domain';
import {
  type ApiClient,
  startTestApp,
  type TestApp,
} from '../testing/test-app';

const base = {
  baseImageUrl: 'https://example.org/base.tar.gz',
  script: '#!/bin/sh\necho hello\n',
};

describe('stacks, images and apps (real PostgreSQL, Redis and S3)', () => {
  let t: TestApp;
  let member: ApiClient;
  let queue: Queue<ImageBuildJob>;

  beforeAll(async () => {
    t = await startTestApp();
    member = (await t.userWithRole('member')).client;
    queue = t.app.get<Queue<ImageBuildJob>>(getQueueToken(QUEUES.imageBuilds));
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('validation', () => {
    it.each([
      [
        'name',
        { ...base, name: 'Bad Name' },
        'must start with a lowercase letter or digit',
      ],
      [
        'script',
        { name: 'no-script', baseImageUrl: base.baseImageUrl },
        'is required',
      ],
      [
        'baseImageUrl',
        { ...base, name: 'bad-url', baseImageUrl: 'ftp://example.org/x' },
        'http(s) URL or an absolute path',
      ],
      [
        'baseImageChecksum',
        { ...base, name: 'bad-sum', baseImageChecksum: 'md5:xyz' },
        'md5:<32 hex digits>',
      ],
      [
        'colour',
        { ...base, name: 'unknown-field', colour: 'red' },
        'is not a known field',
      ],
    ])(
      'rejects a bad %s with 400 naming the field',
      async (field, body, hint) => {
        const response = await member.post('/api/stacks', body).expect(400);
        expect(response.body).toMatchObject({
          statusCode: 400,
          error: 'Bad Request',
        });
        expect(Object.keys(response.body.fields)).toEqual([field]);
        expect(response.body.fields[field]).toContain(hint);
        expect(response.body.message).toContain(`${field}: `);
      },
    );

    it('answers a duplicate name with 409', async () => {
      await member.post('/api/stacks', { ...base, name: 'dup' }).expect(201);
      const response = await member
        .post('/api/stacks', { ...base, name: 'dup' })
        .expect(409);
      expect(response.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        message: 'a stack with this name already exists',
      });
    });
  });

  describe('multipart', () => {
    it('accepts the script as an uploaded file with the other fields as text parts', async () => {
      const response = await member
        .request('post', '/api/stacks')
        .field('name', 'uploaded')
        .field('baseImageUrl', '/srv/images/base.tar.zst')
        .field('env', JSON.stringify({ DEBIAN_FRONTEND: 'noninteractive' }))
        .field('timeoutSeconds', '600')
        .field('build', 'false')
        .attach(
          'script',
          Buffer.from('#!/bin/sh\napt-get install -y curl\n'),
          'provision.sh',
        )
        .expect(201);
      expect(response.body).toMatchObject({
        name: 'uploaded',
        script: '#!/bin/sh\napt-get install -y curl\n',
        env: { DEBIAN_FRONTEND: 'noninteractive' },
        timeoutSeconds: 600,
        queuedImage: null,
      });
    });

    it('rejects a script that is not UTF-8 text', async () => {
      const response = await member
        .request('post', '/api/stacks')
        .field('name', 'binary')
        .field('baseImageUrl', base.baseImageUrl)
        .attach(
          'script',
          Buffer.from([0x23, 0x21, 0xff, 0xfe, 0x00, 0x0a]),
          'provision.sh',
        )
        .expect(400);
      expect(response.body.fields).toEqual({ script: 'must be UTF-8 text' });
    });

    it('rejects a script over 1 MiB', async () => {
      const response = await member
        .request('post', '/api/stacks')
        .field('name', 'huge')
        .field('baseImageUrl', base.baseImageUrl)
        .attach('script', Buffer.alloc(1024 * 1024 + 1, 'a'), 'provision.sh')
        .expect(400);
      expect(response.body.fields).toEqual({ script: 'must be at most 1 MiB' });
    });

    it('updates the script by upload too', async () => {
      await member
        .post('/api/stacks', { ...base, name: 'patch-upload' })
        .expect(201);
      const response = await member
        .request('patch', '/api/stacks/patch-upload')
        .attach('script', Buffer.from('echo new\n'), 'provision.sh')
        .expect(200);
      expect(response.body.script).toBe('echo new\n');
    });
  });

  describe('lifecycle', () => {
    it('creates, reads by id and name, lists with summaries, updates and deletes', async () => {
      const created = (
        await member
          .post('/api/stacks', { ...base, name: 'life', description: 'first' })
          .expect(201)
      ).body as SaveStackResponse;
      expect(created).toMatchObject({
        name: 'life',
        env: {},
        network: 'host',
        timeoutSeconds: 3600,
        activeImageId: null,
      });
      expect(
        (await member.get(`/api/stacks/${created.id}`).expect(200)).body,
      ).toMatchObject({ name: 'life' });
      expect(
        (await member.get('/api/stacks/life').expect(200)).body,
      ).toMatchObject({ id: created.id });
      await member.get('/api/stacks/no-such-stack').expect(404);

      const updated = (
        await member
          .patch('/api/stacks/life', {
            description: 'second',
            baseImageChecksum: `sha256:${'a'.repeat(64)}`,
          })
          .expect(200)
      ).body as SaveStackResponse;
      expect(updated).toMatchObject({
        description: 'second',
        script: base.script,
        queuedImage: null,
      });
      expect(updated.baseImageChecksum).toBe(`sha256:${'a'.repeat(64)}`);

      const list = (await member.get('/api/stacks').expect(200))
        .body as StackSummary[];
      expect(list.find((stack) => stack.id === created.id)).toMatchObject({
        activeImageName: null,
        lastImage: null,
        appCount: 0,
      });

      await member.delete('/api/stacks/life').expect(204);
      await member.get('/api/stacks/life').expect(404);
    });

    it('"Save and Build" saves and queues in one step; the image keeps its snapshot after the stack changes', async () => {
      const saved = (
        await member
          .post('/api/stacks', {
            ...base,
            name: 'snap',
            env: { A: '1' },
            build: true,
          })
          .expect(201)
      ).body as SaveStackResponse;
      const image = saved.queuedImage as Image;
      expect(image).toMatchObject({
        status: 'queued',
        stackId: saved.id,
        stackName: 'snap',
        active: false,
      });
      expect(image.name).toMatch(/^snap_\d{8}_1$/);
      expect(image.snapshot).toEqual({
        baseImageUrl: base.baseImageUrl,
        baseImageChecksum: null,
        script: base.script,
        env: { A: '1' },
        timeoutSeconds: 3600,
        network: 'host',
      });

      const job = await queue.getJob(image.id);
      expect(job?.data).toMatchObject({
        imageId: image.id,
        imageName: image.name,
        stackName: 'snap',
        snapshot: image.snapshot,
        format: 'zstd',
        storageKey: `images/snap/${image.name}.tar.zst`,
        logKey: `logs/images/snap/${image.name}.log`,
        logMaxBytes: t.config.logMaxBytes,
      });

      const edited = (
        await member
          .patch('/api/stacks/snap', {
            script: 'echo changed\n',
            env: { B: '2' },
            build: true,
          })
          .expect(200)
      ).body as SaveStackResponse;
      expect(edited.queuedImage?.snapshot).toMatchObject({
        script: 'echo changed\n',
        env: { B: '2' },
      });
      expect(edited.queuedImage?.name).toMatch(/^snap_\d{8}_2$/);

      const first = (await member.get(`/api/images/${image.id}`).expect(200))
        .body as Image;
      expect(first.snapshot).toEqual(image.snapshot);
      const images = (await member.get('/api/stacks/snap/images').expect(200))
        .body as Image[];
      expect(images.map((i) => i.id)).toEqual([
        edited.queuedImage?.id,
        image.id,
      ]);

      const summary = (
        (await member.get('/api/stacks').expect(200)).body as StackSummary[]
      ).find((s) => s.name === 'snap');
      expect(summary?.lastImage).toMatchObject({
        id: edited.queuedImage?.id,
        status: 'queued',
      });
    });

    it('queues a build without saving anything (202), and gives concurrent builds distinct names', async () => {
      const saved = (
        await member.post('/api/stacks', { ...base, name: 'busy' }).expect(201)
      ).body as Stack;
      const responses = await Promise.all(
        Array.from({ length: 6 }, () => member.post('/api/stacks/busy/builds')),
      );
      for (const response of responses) expect(response.status).toBe(202);
      const names = responses.map((response) => (response.body as Image).name);
      expect(new Set(names).size).toBe(6);
      expect(
        [...names].sort(
          (a, b) => Number(a.split('_')[2]) - Number(b.split('_')[2]),
        ),
      ).toEqual(names.map((_, i) => names[0].replace(/_\d+$/, `_${i + 1}`)));
      const after = (await member.get('/api/stacks/busy').expect(200))
        .body as Stack;
      expect(after.updatedAt).toBe(saved.updatedAt);
      for (const response of responses)
        expect(await queue.getJob((response.body as Image).id)).not.toBeNull();
    });

    it('lets only members and admins queue builds', async () => {
      await member
        .post('/api/stacks', { ...base, name: 'guarded' })
        .expect(201);
      const viewer = (await t.userWithRole('viewer')).client;
      await viewer.post('/api/stacks/guarded/builds').expect(403);
      await viewer.get('/api/stacks/guarded/images').expect(200);
    });
  });

  describe('apps and stack deletion', () => {
    it('refuses to delete a stack while apps link to it, naming them (409)', async () => {
      const stack = (
        await member
          .post('/api/stacks', { ...base, name: 'linked', build: true })
          .expect(201)
      ).body as SaveStackResponse;
      const app = (
        await member
          .post('/api/apps', {
            name: 'shop',
            repository: 'https://git.example.org/shop.git',
            stackId: stack.id,
          })
          .expect(201)
      ).body as App;
      expect(app).toMatchObject({
        name: 'shop',
        stackId: stack.id,
        buildCommand: '',
        env: {},
      });
      expect(
        (
          (await member.get('/api/stacks').expect(200)).body as StackSummary[]
        ).find((s) => s.id === stack.id)?.appCount,
      ).toBe(1);

      const refused = await member.delete('/api/stacks/linked').expect(409);
      expect(refused.body.message).toBe(
        'stack "linked" is used by app "shop"; link them to another stack or unlink them first',
      );

      const moved = (
        await member.patch(`/api/apps/${app.id}`, { stackId: null }).expect(200)
      ).body as App;
      expect(moved).toMatchObject({
        stackId: null,
        repository: app.repository,
      });
      await member.delete('/api/stacks/linked').expect(204);
      await member.get(`/api/images/${stack.queuedImage?.id}`).expect(404);
      expect(await queue.getJob(stack.queuedImage?.id as string)).toBeNull();
    });

    it('manages apps', async () => {
      const created = (
        await member
          .post('/api/apps', {
            name: 'blog',
            repository: 'https://git.example.org/blog.git',
            env: { PORT: '8000' },
            buildCommand: 'make',
          })
          .expect(201)
      ).body as App;
      await member
        .post('/api/apps', { name: 'blog', repository: 'x' })
        .expect(409);
      const bad = await member
        .post('/api/apps', {
          name: 'x',
          repository: 'y',
          stackId: '00000000-0000-4000-8000-000000000000',
        })
        .expect(400);
      expect(bad.body.fields).toEqual({ stackId: 'no such stack' });
      const renamed = (
        await member
          .patch(`/api/apps/${created.id}`, { name: 'blog2' })
          .expect(200)
      ).body as App;
      expect(renamed).toMatchObject({
        name: 'blog2',
        env: { PORT: '8000' },
        buildCommand: 'make',
      });
      expect(
        ((await member.get('/api/apps').expect(200)).body as App[]).map(
          (a) => a.name,
        ),
      ).toContain('blog2');
      await member.get('/api/apps/not-a-uuid').expect(400);
      await member.delete(`/api/apps/${created.id}`).expect(204);
      await member.get(`/api/apps/${created.id}`).expect(404);
    });
  });

  it('audits every change made here', async () => {
    const admin = await t.login(t.adminUsername);
    const page = (await admin.get('/api/audit?limit=500').expect(200))
      .body as Page<AuditEntry>;
    const count = (action: string) =>
      page.items.filter((entry) => entry.action === action).length;
    // Stacks created above: dup, uploaded, patch-upload, life, snap, busy, guarded, linked.
    expect(count('stack.create')).toBe(8);
    expect(count('stack.update')).toBe(3);
    expect(count('stack.delete')).toBe(2);
    expect(count('image.queue')).toBe(1 + 1 + 6 + 1);
    expect(count('app.create')).toBe(2);
    expect(count('app.update')).toBe(2);
    expect(count('app.delete')).toBe(1);
    const snapUpdate = page.items.find(
      (entry) =>
        entry.action === 'stack.update' && entry.details['name'] === 'snap',
    );
    expect(snapUpdate?.details['changes']).toMatchObject({
      script: { bytes: 13 },
      env: { B: '2' },
    });
  });
});
