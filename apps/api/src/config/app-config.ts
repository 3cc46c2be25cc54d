import type { z } from 'zod';
import { configSchema, databaseConfigSchema } from './config.schema';

/** A bad setting: the message is one line that names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The validated settings, injected wherever configuration is needed. */
export class AppConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly s3: {
    endpoint: string;
    accessKey: string;
    secretKey: string;
    bucket: string;
    region: string;
  };
  readonly admin: { username: string; password: string | undefined };
  readonly sessionTtlHours: number;
  readonly loginMaxFailures: number;
  /** Failed-login counters reset after this many seconds. */
  readonly loginWindowSeconds = 15 * 60;
  readonly webDistDir: string | undefined;
  readonly logMaxBytes: number;
  readonly imageRetention: number;
  readonly builderHeartbeatTimeoutSeconds: number;
  readonly trustProxy: boolean;

  constructor(env: z.output<typeof configSchema>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.databaseUrl = env.DATABASE_URL;
    this.redisUrl = env.REDIS_URL;
    this.s3 = {
      endpoint: env.S3_ENDPOINT,
      accessKey: env.S3_ACCESS_KEY,
      secretKey: env.S3_SECRET_KEY,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
    };
    this.admin = {
      username: env.ADMIN_USERNAME,
      password: env.ADMIN_PASSWORD,
    };
    this.sessionTtlHours = env.SESSION_TTL_HOURS;
    this.loginMaxFailures = env.LOGIN_MAX_FAILURES;
    this.webDistDir = env.WEB_DIST_DIR;
    this.logMaxBytes = env.LOG_MAX_BYTES;
    this.imageRetention = env.IMAGE_RETENTION;
    this.builderHeartbeatTimeoutSeconds = env.BUILDER_HEARTBEAT_TIMEOUT_SECONDS;
    this.trustProxy = env.TRUST_PROXY;
  }
}

type Env = Record<string, string | undefined>;

/** Empty strings count as unset, so `FOO=` in an env file falls back to the default. */
function withoutEmpty(env: Env): Env {
  return Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== ''),
  );
}

function parse<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const result = schema.safeParse(withoutEmpty(env));
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.join('.')} ${issue.message}`,
  );
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

/** Parses and validates the environment; throws ConfigError naming the bad variable(s). */
export function parseConfig(env: Env): AppConfig {
  return new AppConfig(parse(configSchema, env));
}

export function parseDatabaseConfig(env: Env): { databaseUrl: string } {
  return { databaseUrl: parse(databaseConfigSchema, env).DATABASE_URL };
}

/** The one read of the process environment. */
export function loadConfig(): AppConfig {
  return parseConfig(process.env);
}

export function loadDatabaseConfig(): { databaseUrl: string } {
  return parseDatabaseConfig(process.env);
}
