import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import type {
  AuditEntry,
  CreatedApiToken,
  Page,
  User,
} from '@velociraptor/domain';
import {
  randomIp,
  startTestApp,
  TEST_PASSWORD,
  type TestApp,
} from '../testing/test-app';

const stack = (name: string) => ({
  name,
  baseImageUrl: 'https://example.org/base.tar.gz',
  script: 'echo hi\n',
});

describe('accounts, sessions, tokens and roles (real PostgreSQL and Redis)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_FAILURES: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('requires credentials everywhere except login and health', async () => {
    for (const path of [
      '/api/stacks',
      '/api/apps',
      '/api/auth/me',
      '/api/tokens',
      '/api/users',
      '/api/audit',
    ]) {
      const response = await t.anonymous().get(path).expect(401);
      expect(response.body).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
      });
    }
    await t.anonymous().post('/api/stacks', stack('nope')).expect(401);
  });

  it('signs in with an httpOnly session cookie and a readable CSRF cookie', async () => {
    const response = await supertest(t.server)
      .post('/api/auth/login')
      .set('X-Forwarded-For', randomIp())
      .send({ username: t.adminUsername, password: TEST_PASSWORD })
      .expect(200);
    expect(response.body).toMatchObject({
      username: t.adminUsername,
      role: 'admin',
      disabled: false,
    });
    expect(response.body).not.toHaveProperty('passwordHash');
    const cookies = ([] as string[]).concat(
      response.headers['set-cookie'] ?? [],
    );
    const session = cookies.find((cookie) => cookie.startsWith('vr_session='));
    const csrf = cookies.find((cookie) => cookie.startsWith('vr_csrf='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(session).not.toMatch(/Secure/i);
    expect(csrf).not.toMatch(/HttpOnly/i);
  });

  it('marks the cookies Secure when the request came over https (through a trusted proxy)', async () => {
    const response = await supertest(t.server)
      .post('/api/auth/login')
      .set('X-Forwarded-For', randomIp())
      .set('X-Forwarded-Proto', 'https')
      .send({ username: t.adminUsername, password: TEST_PASSWORD })
      .expect(200);
    for (const cookie of ([] as string[]).concat(
      response.headers['set-cookie'] ?? [],
    ))
      expect(cookie).toMatch(/Secure/);
  });

  it('rejects cookie-authenticated changes without the CSRF header (403), accepts them with it', async () => {
    const admin = await t.login(t.adminUsername);
    const missing = await admin
      .request('post', '/api/stacks', { csrf: false })
      .send(stack('csrf-test'))
      .expect(403);
    expect(missing.body.message).toContain('X-CSRF-Token');
    await admin
      .request('post', '/api/stacks', { csrf: false })
      .set('X-CSRF-Token', 'forged')
      .send(stack('csrf-test'))
      .expect(403);
    await admin.get('/api/auth/me').expect(200);
    await admin.post('/api/stacks', stack('csrf-test')).expect(201);
  });

  it('rejects a wrong password with 401 and a generic message', async () => {
    const response = await supertest(t.server)
      .post('/api/auth/login')
      .set('X-Forwarded-For', randomIp())
      .send({ username: t.adminUsername, password: 'wrong password!' })
      .expect(401);
    expect(response.body.message).toBe('invalid username or password');
  });

  it('answers 429 with Retry-After after too many failed logins for one username, even with the right password', async () => {
    const { user } = await t.userWithRole('viewer');
    const attempt = (password: string) =>
      supertest(t.server)
        .post('/api/auth/login')
        .set('X-Forwarded-For', randomIp())
        .send({ username: user.username, password });
    for (let i = 0; i < 3; i++) await attempt('not the password').expect(401);
    const limited = await attempt(TEST_PASSWORD).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
    });
    expect(limited.body.message).toContain('too many failed logins');
  });

  it('limits failed logins per client address too, across usernames and despite forged X-Forwarded-For entries', async () => {
    const ip = randomIp();
    // The proxy appends the real address; whatever the client put before it must not count.
    const attempt = (username: string) =>
      supertest(t.server)
        .post('/api/auth/login')
        .set('X-Forwarded-For', `${randomIp()}, ${ip}`)
        .send({ username, password: 'guess-guess-guess' });
    for (let i = 0; i < 3; i++)
      await attempt(`nobody-${randomBytes(3).toString('hex')}`).expect(401);
    await attempt(`nobody-${randomBytes(3).toString('hex')}`).expect(429);
  });

  it('enforces roles: a viewer reads but cannot create a stack (403); a member can', async () => {
    const viewer = (await t.userWithRole('viewer')).client;
    await viewer.get('/api/stacks').expect(200);
    const denied = await viewer
      .post('/api/stacks', stack('viewer-stack'))
      .expect(403);
    expect(denied.body.message).toBe(
      'this needs the member role; you are viewer',
    );
    const member = (await t.userWithRole('member')).client;
    await member.post('/api/stacks', stack('member-stack')).expect(201);
    await member.get('/api/users').expect(403);
    await member.get('/api/audit').expect(403);
  });

  it('issues personal API tokens shown once, accepted as Bearer without CSRF, and dead after revocation', async () => {
    const { client: member, user } = await t.userWithRole('member');
    const created = await member
      .post('/api/tokens', { name: 'ci', expiresInDays: 30 })
      .expect(201);
    const token = created.body as CreatedApiToken;
    expect(token.token).toMatch(/^vr_[A-Za-z0-9_-]{43}$/);
    expect(token.prefix).toBe(token.token.slice(0, 10));
    expect(token.expiresAt).not.toBeNull();

    const listed = await member.get('/api/tokens').expect(200);
    expect(listed.body).toEqual([
      expect.objectContaining({
        id: token.id,
        name: 'ci',
        prefix: token.prefix,
      }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(token.token);

    const bearer = t.withToken(token.token);
    expect((await bearer.get('/api/auth/me').expect(200)).body).toMatchObject({
      id: user.id,
    });
    await bearer.post('/api/stacks', stack('token-stack')).expect(201);
    const used = await member.get('/api/tokens').expect(200);
    expect(used.body[0].lastUsedAt).not.toBeNull();

    await member.delete(`/api/tokens/${token.id}`).expect(204);
    const revoked = await bearer.get('/api/auth/me').expect(401);
    expect(revoked.body.message).toBe('invalid, expired or revoked API token');
    await t
      .withToken('vr_' + 'x'.repeat(43))
      .get('/api/stacks')
      .expect(401);
    await t.withToken('not-even-a-token').get('/api/stacks').expect(401);
    expect((await member.get('/api/tokens').expect(200)).body).toEqual([]);
  });

  it('lets admins manage users, refusing to remove the last admin', async () => {
    const admin = await t.login(t.adminUsername);
    const me = (await admin.get('/api/auth/me').expect(200)).body as User;
    const username = `bob-${randomBytes(2).toString('hex')}`;
    const created = (
      await admin
        .post('/api/users', {
          username,
          password: 'a long password 1',
          role: 'viewer',
        })
        .expect(201)
    ).body as User;
    expect(created).toMatchObject({
      username,
      role: 'viewer',
      disabled: false,
    });
    await admin
      .post('/api/users', {
        username,
        password: 'a long password 1',
        role: 'viewer',
      })
      .expect(409);
    const weak = await admin
      .post('/api/users', {
        username: 'carol',
        password: 'short',
        role: 'viewer',
      })
      .expect(400);
    expect(weak.body.fields).toEqual({
      password: 'must be at least 12 characters',
    });

    const bob = await t.login(username, 'a long password 1');
    await admin
      .patch(`/api/users/${created.id}`, { role: 'member' })
      .expect(200);
    // A role change ends the user's sessions.
    await bob.get('/api/auth/me').expect(401);
    await admin
      .patch(`/api/users/${created.id}`, { disabled: true })
      .expect(200);
    await supertest(t.server)
      .post('/api/auth/login')
      .set('X-Forwarded-For', randomIp())
      .send({ username, password: 'a long password 1' })
      .expect(401);

    const lastAdmin = await admin
      .patch(`/api/users/${me.id}`, { role: 'member' })
      .expect(409);
    expect(lastAdmin.body.message).toContain('last enabled admin');
    await admin.delete(`/api/users/${me.id}`).expect(409);
    await admin.delete(`/api/users/${created.id}`).expect(204);
    await admin.get(`/api/users/${created.id}`).expect(404);
    const list = (await admin.get('/api/users').expect(200)).body as User[];
    expect(list.map((user) => user.username)).not.toContain(username);
  });

  it('logs out: the session cookie stops working', async () => {
    const admin = await t.login(t.adminUsername);
    await admin.post('/api/auth/logout').expect(204);
    await admin.get('/api/auth/me').expect(401);
  });

  it('records every change in the audit log, newest first, without secrets', async () => {
    const admin = await t.login(t.adminUsername);
    const page = (await admin.get('/api/audit?limit=500').expect(200))
      .body as Page<AuditEntry>;
    const actions = page.items.map((entry) => entry.action);
    for (const action of [
      'user.create',
      'user.update',
      'user.delete',
      'token.create',
      'token.revoke',
      'stack.create',
      'auth.login',
      'auth.logout',
      'auth.login_failed',
    ]) {
      expect(actions).toContain(action);
    }
    expect(page.total).toBe(page.items.length);
    const times = page.items.map((entry) => entry.at);
    expect([...times].sort().reverse()).toEqual(times);
    const serialised = JSON.stringify(page.items);
    expect(serialised).not.toContain(TEST_PASSWORD);
    expect(serialised).not.toContain('a long password 1');
    expect(serialised).not.toMatch(/vr_[A-Za-z0-9_-]{43}/);

    const limited = (await admin.get('/api/audit?limit=2&offset=1').expect(200))
      .body as Page<AuditEntry>;
    expect(limited.items).toEqual(
      page.items
        .slice(1, 3)
        .map((entry) => expect.objectContaining({ id: entry.id })),
    );
    const bad = await admin.get('/api/audit?limit=0&colour=red').expect(400);
    expect(Object.keys(bad.body.fields).sort()).toEqual(['colour', 'limit']);
  });
});
