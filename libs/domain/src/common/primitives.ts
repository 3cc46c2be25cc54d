import * as z from 'zod';

/** A name that becomes part of file names and object keys. */
export const slugSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    'must start with a lowercase letter or digit and contain only lowercase letters, digits, "-" and "_"',
  );

export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variables: valid POSIX names mapped to strings. */
export const envMapSchema = z.record(
  z
    .string()
    .regex(ENV_NAME_PATTERN, 'env names must match [A-Za-z_][A-Za-z0-9_]*'),
  z.string().max(32 * 1024),
);
export const envSchema = envMapSchema.default({});
export type EnvMap = Record<string, string>;

/** `md5:<32 hex>` or `sha256:<64 hex>`. */
export const checksumSchema = z
  .string()
  .regex(
    /^(md5:[0-9a-f]{32}|sha256:[0-9a-f]{64})$/,
    'must be "md5:<32 hex digits>" or "sha256:<64 hex digits>" (lowercase)',
  );
export type Checksum = z.infer<typeof checksumSchema>;

export type ChecksumAlgorithm = 'md5' | 'sha256';
export function parseChecksum(value: Checksum): {
  algorithm: ChecksumAlgorithm;
  hex: string;
} {
  const [algorithm, hex] = value.split(':') as [ChecksumAlgorithm, string];
  return { algorithm, hex };
}

/** An http(s) URL or an absolute path the builder can read. */
export const imageSourceSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(2048)
  .refine(
    (value) => {
      if (value.startsWith('/')) return !value.includes('\0');
      try {
        const url = new URL(value);
        return (
          (url.protocol === 'http:' || url.protocol === 'https:') &&
          url.hostname !== ''
        );
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL or an absolute path' },
  );

export function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

export const uuidSchema = z.uuid();

/** ISO-8601 timestamp strings on the wire. */
export type IsoDate = string;
