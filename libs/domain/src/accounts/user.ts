import * as z from 'zod';
import type { IsoDate } from '../common/primitives';

export const ROLES = ['admin', 'member', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** admin ⊃ member ⊃ viewer */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(required);
}

export const usernameSchema = z
  .string()
  .min(2)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    'must contain only lowercase letters, digits, ".", "_" and "-"',
  );
export const passwordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(256);

export const loginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof loginSchema>;

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema,
});
export type CreateUserRequest = z.infer<typeof createUserSchema>;

export const updateUserSchema = z.strictObject({
  role: roleSchema.optional(),
  password: passwordSchema.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserRequest = z.infer<typeof updateUserSchema>;

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: IsoDate;
}

export const createTokenSchema = z.strictObject({
  name: z.string().min(1).max(100),
  /** Days until it expires; absent = never. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateTokenRequest = z.infer<typeof createTokenSchema>;

export interface ApiToken {
  id: string;
  name: string;
  /** First characters of the token, to recognise it in a list. */
  prefix: string;
  createdAt: IsoDate;
  lastUsedAt: IsoDate | null;
  expiresAt: IsoDate | null;
}

/** Returned once, when the token is created. */
export interface CreatedApiToken extends ApiToken {
  token: string;
}

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_COOKIE = 'vr_csrf';
export const SESSION_COOKIE = 'vr_session';
