import {
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** URL-safe random secret with `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time string comparison (lengths are not secret). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The CSRF token belonging to a session: derived from the secret session id, so an attacker who can
 * plant cookies still cannot produce a matching pair for someone else's session.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHmac('sha256', sessionId)
    .update('velociraptor csrf')
    .digest('base64url');
}

export const API_TOKEN_PREFIX = 'vr_';
export const API_TOKEN_PATTERN = /^vr_[A-Za-z0-9_-]{43}$/;
/** How much of a token is kept in clear to recognise it in lists. */
export const API_TOKEN_VISIBLE_CHARS = 10;

export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomSecret(32);
}
