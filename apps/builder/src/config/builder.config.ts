import { hostname } from 'node:os';
import { isAbsolute } from 'node:path';
import { z } from 'zod';

/** The one place the builder reads process.env. */
const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'must be true or false',
  })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const absolutePath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p), 'must be an absolute path');

const positiveInt = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const builderEnvSchema = z.object({
  REDIS_URL: z
    .string({ error: 'is required' })
    .regex(/^rediss?:\/\/.+/, 'must be a redis:// or rediss:// URL'),
  S3_ENDPOINT: z
    .string({ error: 'is required' })
    .regex(/^https?:\/\/[^/]+/, 'must be an http(s) URL'),
  S3_ACCESS_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
  S3_SECRET_KEY: z.string({ error: 'is required' }).min(1, 'is required'),
  S3_BUCKET: z.string().min(3).default('velociraptor'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  BUILDER_CONCURRENCY: positiveInt(1, 64).default(1),
  BUILDER_WORK_DIR: absolutePath.default('/var/lib/velociraptor/builder/work'),
  BUILDER_CACHE_DIR: absolutePath.default('/var/cache/velociraptor/builder'),
  BUILDER_LXC_PATH: absolutePath.default('/var/lib/velociraptor/lxc'),
  BUILDER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 of A-Z a-z 0-9 . _ -')
    .optional(),
  KEEP_FAILED_WORK_DIRS: booleanString.default(false),
  /** How long the heartbeat key lives without a refresh; refreshed every third of it. */
  BUILDER_HEARTBEAT_TTL_SECONDS: positiveInt(2, 600).default(15),
  /** How long the live log stream stays in Redis after the build ended (the full log is in S3). */
  LOG_STREAM_RETENTION_SECONDS: positiveInt(10, 7 * 24 * 3600).default(3600),
  /** Live log batching: flush at least this often, or when this many lines are waiting. */
  LOG_FLUSH_INTERVAL_MS: positiveInt(1, 5000).default(50),
  LOG_FLUSH_MAX_LINES: positiveInt(1, 100_000).default(500),
});

export interface BuilderConfig {
  redisUrl: string;
  s3: {
    endpoint: string;
    accessKey: string;
    secretKey: string;
    bucket: string;
    region: string;
  };
  concurrency: number;
  workDir: string;
  cacheDir: string;
  lxcPath: string;
  builderId: string;
  keepFailedWorkDirs: boolean;
  heartbeatTtlMs: number;
  logStreamRetentionSeconds: number;
  logFlushIntervalMs: number;
  logFlushMaxLines: number;
}

export const BUILDER_CONFIG = Symbol('BUILDER_CONFIG');

export class ConfigError extends Error {}

/** Parses the environment once; the message names every bad variable. */
export function loadBuilderConfig(
  env: NodeJS.ProcessEnv = process.env,
): BuilderConfig {
  // Empty strings mean "not set", as in most shells' `VAR=` lines.
  const input = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = builderEnvSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map(
      (i) => `${i.path.join('.')}: ${i.message}`,
    );
    throw new ConfigError(
      `invalid builder configuration:\n  ${problems.join('\n  ')}`,
    );
  }
  const e = result.data;
  return {
    redisUrl: e.REDIS_URL,
    s3: {
      endpoint: e.S3_ENDPOINT,
      accessKey: e.S3_ACCESS_KEY,
      secretKey: e.S3_SECRET_KEY,
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
    },
    concurrency: e.BUILDER_CONCURRENCY,
    workDir: e.BUILDER_WORK_DIR,
    cacheDir: e.BUILDER_CACHE_DIR,
    lxcPath: e.BUILDER_LXC_PATH,
    builderId: e.BUILDER_ID ?? `${hostname()}-${process.pid}`,
    keepFailedWorkDirs: e.KEEP_FAILED_WORK_DIRS,
    heartbeatTtlMs: e.BUILDER_HEARTBEAT_TTL_SECONDS * 1000,
    logStreamRetentionSeconds: e.LOG_STREAM_RETENTION_SECONDS,
    logFlushIntervalMs: e.LOG_FLUSH_INTERVAL_MS,
    logFlushMaxLines: e.LOG_FLUSH_MAX_LINES,
  };
}
