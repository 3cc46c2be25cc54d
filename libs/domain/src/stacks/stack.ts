import * as z from 'zod';
import {
  checksumSchema,
  envMapSchema,
  envSchema,
  imageSourceSchema,
  slugSchema,
  type IsoDate,
} from '../common/primitives';

export const DEFAULT_BUILD_TIMEOUT_SECONDS = 3600;
export const MAX_SCRIPT_BYTES = 1024 * 1024;

export const networkModeSchema = z.enum(['host', 'isolated']);
export type NetworkMode = z.infer<typeof networkModeSchema>;

const stackFields = {
  name: slugSchema,
  description: z.string().max(2000).default(''),
  baseImageUrl: imageSourceSchema,
  baseImageChecksum: checksumSchema.nullable().optional(),
  script: z
    .string({ error: 'is required' })
    .min(1, 'must not be empty')
    .max(MAX_SCRIPT_BYTES, 'must be at most 1 MiB'),
  env: envSchema,
  timeoutSeconds: z
    .number()
    .int()
    .min(10)
    .max(24 * 3600)
    .default(DEFAULT_BUILD_TIMEOUT_SECONDS),
  network: networkModeSchema.default('host'),
};

/** POST /api/stacks (JSON body, or multipart with the script as a file field `script`). */
export const createStackSchema = z.strictObject({
  ...stackFields,
  /** "Save and Build": queue a build of the saved stack in the same request. */
  build: z.boolean().optional(),
});
export type CreateStackRequest = z.input<typeof createStackSchema>;

/** PATCH /api/stacks/:idOrName — every field optional. */
export const updateStackSchema = z.strictObject({
  name: stackFields.name.optional(),
  description: z.string().max(2000).optional(),
  baseImageUrl: stackFields.baseImageUrl.optional(),
  baseImageChecksum: stackFields.baseImageChecksum,
  script: stackFields.script.optional(),
  env: envMapSchema.optional(),
  timeoutSeconds: z
    .number()
    .int()
    .min(10)
    .max(24 * 3600)
    .optional(),
  network: networkModeSchema.optional(),
  build: z.boolean().optional(),
});
export type UpdateStackRequest = z.input<typeof updateStackSchema>;

export interface Stack {
  id: string;
  name: string;
  description: string;
  baseImageUrl: string;
  baseImageChecksum: string | null;
  script: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  network: NetworkMode;
  activeImageId: string | null;
  createdAt: IsoDate;
  updatedAt: IsoDate;
}

/** What the stacks list shows: a stack plus its active image and last build. */
export interface StackSummary extends Stack {
  activeImageName: string | null;
  lastImage: {
    id: string;
    name: string;
    status: string;
    queuedAt: IsoDate;
    finishedAt: IsoDate | null;
  } | null;
  appCount: number;
}

/** POST/PATCH /api/stacks: the saved stack, plus the queued image when "Save and Build" was asked for. */
export interface SaveStackResponse extends Stack {
  queuedImage: import('../images/image').Image | null;
}
