import { z } from 'zod';
import { InvalidStoreConfigError } from './errors';

const MiB = 1024 * 1024;

export const objectStoreConfigSchema = z.object({
  endpoint: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  bucket: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      'must be a valid S3 bucket name (3-63 chars of a-z 0-9 . -)',
    ),
  region: z.string().min(1).default('us-east-1'),
  /** S3 allows 5 MiB..5 GiB; each in-flight part is buffered in memory. */
  partSizeBytes: z
    .number()
    .int()
    .min(5 * MiB)
    .max(512 * MiB)
    .default(16 * MiB),
});

export type ObjectStoreConfigInput = z.input<typeof objectStoreConfigSchema>;
export type ObjectStoreConfig = z.output<typeof objectStoreConfigSchema>;

export function parseObjectStoreConfig(
  input: ObjectStoreConfigInput,
): ObjectStoreConfig {
  const r = objectStoreConfigSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InvalidStoreConfigError(
      `invalid object store config: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return r.data;
}

export interface MinioEndpoint {
  endPoint: string;
  port: number;
  useSSL: boolean;
}

export function endpointToMinio(endpoint: string): MinioEndpoint {
  const u = new URL(endpoint);
  const useSSL = u.protocol === 'https:';
  return {
    endPoint: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : useSSL ? 443 : 80,
    useSSL,
  };
}
