import * as z from 'zod';
import {
  envMapSchema,
  envSchema,
  slugSchema,
  type IsoDate,
} from '../common/primitives';

export const createAppSchema = z.strictObject({
  name: slugSchema,
  repository: z.string().min(1).max(2048),
  buildCommand: z.string().max(4096).default(''),
  env: envSchema,
  stackId: z.uuid().nullable().optional(),
});
export type CreateAppRequest = z.input<typeof createAppSchema>;

const appFields = {
  name: slugSchema,
  repository: z.string().min(1).max(2048),
  buildCommand: z.string().max(4096),
  env: envMapSchema,
  stackId: z.uuid().nullable(),
};

/**
 * PATCH: every field optional and WITHOUT defaults (`createAppSchema.partial()` would fill
 * `buildCommand: ''` and `env: {}` and so wipe them on every partial update).
 */
export const updateAppSchema = z.strictObject({
  name: appFields.name.optional(),
  repository: appFields.repository.optional(),
  buildCommand: appFields.buildCommand.optional(),
  env: appFields.env.optional(),
  stackId: appFields.stackId.optional(),
});
export type UpdateAppRequest = z.input<typeof updateAppSchema>;

export interface App {
  id: string;
  name: string;
  repository: string;
  buildCommand: string;
  env: Record<string, string>;
  stackId: string | null;
  createdAt: IsoDate;
  updatedAt: IsoDate;
}
