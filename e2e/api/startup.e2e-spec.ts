import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ManagedProcess, ROOT, STATE, servicesEnv } from '../support';

/** The built API as an operator runs it: `node dist/apps/api/main.js [migrate]`. */
const MAIN = join(ROOT, 'dist/apps/api/main.js');
const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address ? address.port : 0),
      );
    });
  });
}

async function admin(databaseUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function runMain(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('API process start-up', () => {
  const services = servicesEnv();
  const database = `vr_e2e_startup_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(services['DATABASE_URL']), {
    pathname: `/${database}`,
  }).toString();
  const env = { ...services, DATABASE_URL: databaseUrl };
  const runDir = join(
    STATE,
    'e2e',
    `startup-${randomBytes(3).toString('hex')}`,
  );
  const started: ManagedProcess[] = [];

  beforeAll(async () => {
    mkdirSync(runDir, { recursive: true });
    await admin(services['DATABASE_URL'], `CREATE DATABASE "${database}"`);
  });
  afterAll(async () => {
    for (const process of started) await process.stop();
    await admin(
      services['DATABASE_URL'],
      `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`,
    );
    rmSync(runDir, { recursive: true, force: true });
  });

  async function serve(
    name: string,
  ): Promise<{ process: ManagedProcess; url: string }> {
    const port = await freePort();
    const process = ManagedProcess.start(
      name,
      [MAIN],
      { ...env, PORT: String(port), HOST: '127.0.0.1' },
      join(runDir, `${name}.log`),
      ROOT,
    );
    started.push(process);
    await process.waitForOutput(/listening on http:\/\/127\.0\.0\.1:\d+\/api/);
    return { process, url: `http://127.0.0.1:${port}` };
  }

  it('refuses a bad setting with one line naming the variable', async () => {
    const result = await runMain([], {
      ...env,
      PORT: 'eighty',
      TRUST_PROXY: 'maybe',
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: PORT must be a port number; TRUST_PROXY must be true or false',
    ]);
    const missing = await runMain([], { PATH: '/usr/bin:/bin' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('DATABASE_URL is required');
  });

  it('`migrate` applies pending migrations and exits; a second run finds nothing to do', async () => {
    const first = await runMain(['migrate'], { DATABASE_URL: databaseUrl });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied migrations: Initial\d+/);
    const second = await runMain(['migrate'], { DATABASE_URL: databaseUrl });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('database schema is up to date');
  });

  it('creates the first admin with a generated password printed once, and stops cleanly on SIGTERM', async () => {
    const first = await serve('api-first');
    const password = /created admin user "admin" with password: (\S+)/.exec(
      first.process.output(),
    )?.[1];
    expect(password).toBeDefined();

    const login = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({
      username: 'admin',
      role: 'admin',
    });
    const health = await fetch(`${first.url}/api/health`);
    expect(health.status).toBe(200);

    await first.process.stop();
    expect(first.process.running).toBe(false);
    expect(first.process.output()).not.toMatch(/ERROR/);

    const second = await serve('api-second');
    expect(second.process.output()).not.toContain('password');
    await second.process.stop();
  });
});
