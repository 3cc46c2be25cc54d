import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../testing/test-app';

describe('platform (real PostgreSQL, Redis and S3)', () => {
  let t: TestApp;
  let web: string;

  beforeAll(async () => {
    web = mkdtempSync(join(tmpdir(), 'vr-web-'));
    writeFileSync(
      join(web, 'index.html'),
      '<!doctype html><title>Velociraptor</title>',
    );
    writeFileSync(join(web, 'main.js'), 'console.log(1)');
    t = await startTestApp({ WEB_DIST_DIR: web });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(web, { recursive: true, force: true });
  });

  it('reports PostgreSQL, Redis and S3 separately, all up, without authentication', async () => {
    const response = await t.anonymous().get('/api/health').expect(200);
    expect(response.body).toEqual({
      status: 'ok',
      services: {
        postgres: { status: 'up' },
        redis: { status: 'up' },
        s3: { status: 'up' },
      },
    });
  });

  it('echoes a given request id and makes one up otherwise', async () => {
    const given = await t
      .anonymous()
      .get('/api/stacks')
      .set('X-Request-Id', 'trace-123')
      .expect(401);
    expect(given.headers['x-request-id']).toBe('trace-123');
    expect(given.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'authentication required: sign in or send an API token',
      requestId: 'trace-123',
    });
    const made = await t.anonymous().get('/api/stacks').expect(401);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(made.body.requestId).toBe(made.headers['x-request-id']);
  });

  it('answers unknown API routes with a 404 in the error shape', async () => {
    const admin = await t.login(t.adminUsername);
    const response = await admin.get('/api/no-such-thing').expect(404);
    expect(response.body).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
    });
  });

  it('rejects malformed JSON with a 400', async () => {
    const admin = await t.login(t.adminUsername);
    const response = await admin
      .request('post', '/api/stacks')
      .set('Content-Type', 'application/json')
      .send('{"name": "web", oops')
      .expect(400);
    expect(response.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
    });
    expect(typeof response.body.requestId).toBe('string');
  });

  it('serves the OpenAPI description at /api/docs', async () => {
    await supertest(t.server)
      .get('/api/docs')
      .expect(200)
      .expect('Content-Type', /html/);
    const json = await supertest(t.server).get('/api/docs-json').expect(200);
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining(['/api/stacks', '/api/auth/login']),
    );
    expect(
      json.body.paths['/api/stacks'].post.requestBody.content[
        'application/json'
      ].schema.properties,
    ).toHaveProperty('baseImageUrl');
  });

  it('serves the SPA from WEB_DIST_DIR with an index.html fallback outside /api', async () => {
    await supertest(t.server)
      .get('/main.js')
      .expect(200)
      .expect(/console/);
    const deep = await supertest(t.server)
      .get('/stacks/web/images')
      .expect(200);
    expect(deep.text).toContain('<title>Velociraptor</title>');
    const api = await supertest(t.server).get('/api/unknown').expect(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
