import { z } from 'zod';

const port = z.coerce
  .number({ error: 'must be a port number' })
  .int('must be a port number')
  .min(1, 'must be a port number between 1 and 65535')
  .max(65535, 'must be a port number between 1 and 65535');

const positiveInt = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .positive('must be greater than 0');

const url = (protocols: readonly string[]) =>
  z
    .string({ error: 'is required' })
    .min(1, 'is required')
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );

const required = z.string({ error: 'is required' }).min(1, 'is required');

/** Environment variables are strings; only these spellings count as booleans, anything else is a mistake. */
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'must be true or false',
  })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Every environment variable the API reads, with its default. The only place that knows about
 * `process.env`; docs/configuration.md lists the same table.
 */
export const configSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  S3_ENDPOINT: url(['http:', 'https:']),
  S3_ACCESS_KEY: required,
  S3_SECRET_KEY: required,
  S3_BUCKET: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be a valid S3 bucket name (3-63 characters of a-z, 0-9, "." and "-")',
    )
    .default('velociraptor'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  ADMIN_USERNAME: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9._-]{1,63}$/,
      'must be 2-64 lowercase letters, digits, ".", "_" or "-"',
    )
    .default('admin'),
  /** Absent: the first start generates a password and prints it once. */
  ADMIN_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters')
    .max(256)
    .optional(),
  SESSION_TTL_HOURS: positiveInt.default(168),
  /** Failed logins allowed per username and per client address in a 15-minute window. */
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  /** Folder of the built SPA; served with an index.html fallback for non-/api routes. */
  WEB_DIST_DIR: z.string().min(1).optional(),
  LOG_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  /** Succeeded images kept per stack (the active one is always kept). */
  IMAGE_RETENTION: positiveInt.default(10),
  BUILDER_HEARTBEAT_TIMEOUT_SECONDS: positiveInt.default(60),
  /** Behind a reverse proxy: take the client address and protocol from X-Forwarded-*. */
  TRUST_PROXY: boolean.default(false),
});

export type ConfigInput = z.input<typeof configSchema>;

/** The subset the `migrate` command needs, so it can run with only DATABASE_URL set. */
export const databaseConfigSchema = configSchema.pick({ DATABASE_URL: true });
