import { z } from 'zod';
import { envSchema, slugSchema, type IsoDate } from '../common/primitives';

export const createAppSchema = z.strictObject({
  name: slugSchema,
  repository: z.string().min(1).max(2048),
  buildCommand: z.string().max(4096).default(''),
  env: envSchema,
  stackId: z.uuid().nullable().optional(),
});
export type CreateAppRequest = z.input<typeof createAppSchema>;

export const updateAppSchema = createAppSchema.partial();
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
