import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client as MinioClient } from 'minio';
import { Client } from 'pg';
import Redis from 'ioredis';
import { ROOT, STATE, servicesEnv } from './env';
import { ApiClient } from './api-client';
import { ManagedProcess, eventually } from './processes';

export interface SystemOptions {
  /** Number of API processes (all share the database, Redis and bucket). */
  apis?: number;
  builders?: number;
  /** Extra environment for every API process. */
  apiEnv?: Record<string, string>;
  /** Extra environment for every builder process. */
  builderEnv?: Record<string, string>;
}

export interface ApiProcess {
  process: ManagedProcess;
  url: string;
  client: ApiClient;
}

const ADMIN_USERNAME = 'admin';

/**
 * The running system for one test file: `node dist/apps/api/main.js` (each
 * with a fresh database, its own Redis database and bucket) and
 * `node dist/apps/builder/main.js`, with the settings from
 * `.state/test/services.env`. It builds nothing: run the api and builder
 * builds first (the e2e target depends on them).
 */
export class TestSystem {
  readonly apis: ApiProcess[] = [];
  readonly builders: ManagedProcess[] = [];
  readonly runDir: string;
  readonly lxcPath: string;
  readonly workDir: string;
  readonly cacheDir: string;
  readonly adminPassword = randomBytes(12).toString('hex');
  private redisLock: string | undefined;
  private builderCount = 0;
  token = '';

  private constructor(
    readonly env: Record<string, string>,
    readonly runId: string,
    private readonly options: SystemOptions,
  ) {
    this.runDir = join(STATE, 'e2e', runId);
    this.lxcPath = join(this.runDir, 'lxc');
    this.workDir = join(this.runDir, 'work');
    // Shared between runs: the downloaded base images.
    this.cacheDir = join(STATE, 'e2e-builder-cache');
    mkdirSync(this.runDir, { recursive: true });
  }

  static async start(options: SystemOptions = {}): Promise<TestSystem> {
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const base = servicesEnv();
    const system = new TestSystem(base, runId, options);
    try {
      await system.prepareServices();
      for (let i = 0; i < (options.apis ?? 1); i++) await system.startApi();
      system.token = await system.apis[0].client.createAdminToken(
        ADMIN_USERNAME,
        system.adminPassword,
      );
      for (const api of system.apis) api.client.token = system.token;
      for (let i = 0; i < (options.builders ?? 1); i++)
        await system.startBuilder();
      return system;
    } catch (err) {
      await system.stop();
      throw err;
    }
  }

  get api(): ApiClient {
    return this.apis[0].client;
  }

  /** The database, Redis database and bucket this run owns. */
  private async prepareServices(): Promise<void> {
    const dbName = `vr_e2e_${this.runId.replace(/-/g, '_')}`;
    const admin = new Client({ connectionString: this.env['DATABASE_URL'] });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end();
    }
    const dbUrl = new URL(this.env['DATABASE_URL']);
    dbUrl.pathname = `/${dbName}`;
    this.env['DATABASE_URL'] = dbUrl.toString();
    this.env['E2E_DATABASE'] = dbName;

    const db = this.lockRedisDatabase();
    const redisUrl = new URL(this.env['REDIS_URL']);
    redisUrl.pathname = `/${db}`;
    this.env['REDIS_URL'] = redisUrl.toString();
    const redis = new Redis(this.env['REDIS_URL']);
    await redis.flushdb();
    redis.disconnect();

    this.env['S3_BUCKET'] = `vr-e2e-${this.runId}`;
  }

  /**
   * Bull queue names are global within a Redis database, so concurrent runs
   * (other engineers' tests) each take a database of their own: 1-15, claimed
   * with a lock file naming our PID.
   */
  private lockRedisDatabase(): number {
    mkdirSync(join(STATE, 'e2e'), { recursive: true });
    for (let db = 1; db <= 15; db++) {
      const lock = join(STATE, 'e2e', `redis-db-${db}.lock`);
      try {
        const fd = openSync(lock, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        this.redisLock = lock;
        return db;
      } catch {
        const owner = Number(readFileSync(lock, 'utf8').trim());
        if (!owner || !alive(owner)) {
          unlinkSync(lock);
          db--; // try the same one again
        }
      }
    }
    throw new Error(
      'all Redis databases 1-15 are claimed by running e2e suites',
    );
  }

  async startApi(extraEnv: Record<string, string> = {}): Promise<ApiProcess> {
    const port = await freePort();
    const index = this.apis.length;
    const proc = ManagedProcess.start(
      `api${index}`,
      [join(ROOT, 'dist/apps/api/main.js')],
      {
        ...this.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_USERNAME,
        ADMIN_PASSWORD: this.adminPassword,
        ...this.options.apiEnv,
        ...extraEnv,
      },
      join(this.runDir, `api${index}.log`),
      ROOT,
    );
    const url = `http://127.0.0.1:${port}`;
    const client = new ApiClient(url);
    client.token = this.token;
    const api = { process: proc, url, client };
    this.apis.push(api);
    await eventually(
      `api${index} health`,
      async () => {
        if (!proc.running)
          throw new Error(`api${index} exited:\n${proc.tail()}`);
        const res = await fetch(`${url}/api/health`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      90_000,
    );
    return api;
  }

  async startBuilder(
    extraEnv: Record<string, string> = {},
  ): Promise<ManagedProcess> {
    const index = this.builderCount++;
    const proc = ManagedProcess.start(
      `builder${index}`,
      [join(ROOT, 'dist/apps/builder/main.js')],
      {
        REDIS_URL: this.env['REDIS_URL'],
        S3_ENDPOINT: this.env['S3_ENDPOINT'],
        S3_ACCESS_KEY: this.env['S3_ACCESS_KEY'],
        S3_SECRET_KEY: this.env['S3_SECRET_KEY'],
        S3_BUCKET: this.env['S3_BUCKET'],
        S3_REGION: this.env['S3_REGION'] ?? 'us-east-1',
        BUILDER_WORK_DIR: this.workDir,
        BUILDER_CACHE_DIR: this.cacheDir,
        BUILDER_LXC_PATH: this.lxcPath,
        BUILDER_ID: `e2e-builder-${index}`,
        ...this.options.builderEnv,
        ...extraEnv,
      },
      join(this.runDir, `builder${index}.log`),
      ROOT,
    );
    this.builders.push(proc);
    await proc.waitForOutput(/is taking builds/, 90_000);
    return proc;
  }

  /** Stops every process by PID, then drops the database and releases the Redis database. */
  async stop(): Promise<void> {
    await Promise.all(this.builders.map((b) => b.stop()));
    await Promise.all(this.apis.map((a) => a.process.stop()));
    const dbName = this.env['E2E_DATABASE'];
    if (dbName) {
      const admin = new Client({
        connectionString: servicesEnv()['DATABASE_URL'],
      });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
    await this.removeBucket().catch(() => undefined);
    if (this.redisLock) {
      const redis = new Redis(this.env['REDIS_URL']);
      await redis.flushdb().catch(() => undefined);
      redis.disconnect();
      rmSync(this.redisLock, { force: true });
    }
  }

  /** An S3 client on this run's bucket (for checking stored objects). */
  s3(): MinioClient {
    const endpoint = new URL(this.env['S3_ENDPOINT']);
    return new MinioClient({
      endPoint: endpoint.hostname,
      port:
        Number(endpoint.port) || (endpoint.protocol === 'https:' ? 443 : 80),
      useSSL: endpoint.protocol === 'https:',
      accessKey: this.env['S3_ACCESS_KEY'],
      secretKey: this.env['S3_SECRET_KEY'],
      region: this.env['S3_REGION'] ?? 'us-east-1',
      pathStyle: true,
    });
  }

  get bucket(): string {
    return this.env['S3_BUCKET'];
  }

  async objectKeys(prefix = ''): Promise<string[]> {
    const s3 = this.s3();
    if (!(await s3.bucketExists(this.bucket))) return [];
    const keys: string[] = [];
    for await (const item of s3.listObjectsV2(this.bucket, prefix, true)) {
      const name = (item as { name?: string }).name;
      if (name) keys.push(name);
    }
    return keys;
  }

  private async removeBucket(): Promise<void> {
    const keys = await this.objectKeys();
    const s3 = this.s3();
    if (keys.length) await s3.removeObjects(this.bucket, keys);
    if (await s3.bucketExists(this.bucket)) await s3.removeBucket(this.bucket);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
