import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const STATE = join(ROOT, '.state/test');
export const FIXTURES = join(ROOT, '.state/fixtures');
export const BUSYBOX_IMAGE = join(FIXTURES, 'busybox.tar');
export const DEBIAN_IMAGE = join(FIXTURES, 'bookworm-minbase.tar.zst');

/** The services of `scripts/services.sh start test` (DATABASE_URL, REDIS_URL, S3_*). */
export function servicesEnv(): Record<string, string> {
  const file = join(STATE, 'services.env');
  const out: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) out[m[1]] = m[2];
    }
  }
  // The environment wins (CI may point at other services).
  for (const key of [
    'DATABASE_URL',
    'REDIS_URL',
    'S3_ENDPOINT',
    'S3_ACCESS_KEY',
    'S3_SECRET_KEY',
    'S3_BUCKET',
    'S3_REGION',
  ]) {
    const value = process.env[key];
    if (value) out[key] = value;
  }
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT']) {
    if (!out[key]) {
      throw new Error(
        `${key} is not set: run "scripts/services.sh start test" first (it writes ${file})`,
      );
    }
  }
  return out;
}
