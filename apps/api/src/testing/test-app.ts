import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import supertest from 'supertest';
import { CSRF_COOKIE, CSRF_HEADER, type User } from '@velociraptor/domain';
import { createApp } from '../app.setup';
import { type AppConfig, parseConfig } from '../config';
import { createDataSource } from '../database/data-source';
import { runMigrationsLocked } from '../database/migrator';
import { ScratchDatabase } from '../database/scratch-database';
import { BuildQueue } from '../images/build-queue';
import { ImageEntity } from '../images/image.entity';
import { UsersService } from '../users/users.service';
import { DataSource } from 'typeorm';

export const TEST_PASSWORD = 'integration-test-password';

function requireServices(): string {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    throw new Error(
      'integration tests need the test services: run `scripts/services.sh start test` first',
    );
  }
  return url;
}

/** A random documentation-range address, so each test's login counters are its own. */
export function randomIp(): string {
  const bytes = randomBytes(2);
  return `198.51.${bytes[0]}.${bytes[1]}`;
}

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/** Sends requests as one caller: a session (cookie + CSRF header) or an API token, or nobody. */
export class ApiClient {
  constructor(
    private readonly app: TestApp,
    private readonly credentials: {
      cookies?: string[];
      csrf?: string;
      token?: string;
    } = {},
    readonly ip = randomIp(),
  ) {}

  request(
    method: Method,
    path: string,
    options: { csrf?: boolean } = {},
  ): supertest.Test {
    let test = supertest(this.app.server)
      [method](path)
      .set('X-Forwarded-For', this.ip);
    if (this.credentials.token)
      test = test.set('Authorization', `Bearer ${this.credentials.token}`);
    if (this.credentials.cookies)
      test = test.set('Cookie', this.credentials.cookies);
    if (this.credentials.csrf && options.csrf !== false && method !== 'get') {
      test = test.set(CSRF_HEADER, this.credentials.csrf);
    }
    return test;
  }

  get(path: string): supertest.Test {
    return this.request('get', path);
  }
  post(path: string, body?: object): supertest.Test {
    const test = this.request('post', path);
    return body === undefined ? test : test.send(body);
  }
  patch(path: string, body: object): supertest.Test {
    return this.request('patch', path).send(body);
  }
  delete(path: string): supertest.Test {
    return this.request('delete', path);
  }
}

export interface TestApp {
  app: NestExpressApplication;
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  config: AppConfig;
  dataSource: DataSource;
  adminUsername: string;
  /** Not signed in. */
  anonymous(): ApiClient;
  login(username: string, password?: string): Promise<ApiClient>;
  withToken(token: string): ApiClient;
  /** Creates a user through the API (as the admin) and signs them in. */
  userWithRole(role: User['role']): Promise<{ user: User; client: ApiClient }>;
  close(): Promise<void>;
}

/**
 * Boots the API in-process exactly as main.ts does, on its own throwaway database (migrated, with an
 * admin), against the real Redis and S3 from the environment.
 */
export async function startTestApp(
  env: Record<string, string> = {},
): Promise<TestApp> {
  const databaseUrl = requireServices();
  const scratch = await ScratchDatabase.create(databaseUrl, 'it');
  const adminUsername = `admin-${randomBytes(3).toString('hex')}`;
  const config = parseConfig({
    ...process.env,
    DATABASE_URL: scratch.url,
    ADMIN_USERNAME: adminUsername,
    ADMIN_PASSWORD: TEST_PASSWORD,
    TRUST_PROXY: 'true',
    ...env,
  });

  const migrationSource = createDataSource(config.databaseUrl);
  await migrationSource.initialize();
  await runMigrationsLocked(migrationSource);
  await migrationSource.destroy();

  const app = await createApp(config, { logger: ['error', 'warn'] });
  await app.init();
  await app.get(UsersService).ensureFirstAdmin(adminUsername, TEST_PASSWORD);

  let counter = 0;
  const testApp: TestApp = {
    app,
    server: app.getHttpServer(),
    config,
    dataSource: app.get(DataSource),
    adminUsername,
    anonymous: () => new ApiClient(testApp),
    withToken: (token) => new ApiClient(testApp, { token }),
    async login(username, password = TEST_PASSWORD) {
      const ip = randomIp();
      const response = await supertest(testApp.server)
        .post('/api/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ username, password })
        .expect(200);
      const cookies = ([] as string[]).concat(
        response.headers['set-cookie'] ?? [],
      );
      const csrf = cookies
        .map((cookie) => cookie.split(';')[0])
        .find((pair) => pair.startsWith(`${CSRF_COOKIE}=`))
        ?.slice(CSRF_COOKIE.length + 1);
      return new ApiClient(
        testApp,
        { cookies: cookies.map((cookie) => cookie.split(';')[0]), csrf },
        ip,
      );
    },
    async userWithRole(role) {
      const admin = await testApp.login(adminUsername);
      const username = `${role}-${++counter}-${randomBytes(2).toString('hex')}`;
      const created = await admin
        .post('/api/users', { username, password: TEST_PASSWORD, role })
        .expect(201);
      return {
        user: created.body as User,
        client: await testApp.login(username),
      };
    },
    async close() {
      try {
        // Jobs of this test's images must not reach builders sharing the test Redis.
        const images = await testApp.dataSource
          .getRepository(ImageEntity)
          .find({ select: { id: true } });
        const queue = app.get(BuildQueue);
        for (const image of images) await queue.removeWaiting(image.id);
        await app.close();
      } finally {
        await scratch.drop();
      }
    },
  };
  return testApp;
}
