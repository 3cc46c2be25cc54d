import { Inject, Injectable } from '@nestjs/common';
import { SESSION_COOKIE } from '@velociraptor/domain';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../common/request-context';

export interface Handshake {
  headers: Record<string, string | string[] | undefined>;
  auth: Record<string, unknown>;
}

/** Authenticates a socket.io handshake exactly like a REST request: an API token, else the session cookie. */
@Injectable()
export class SocketAuthenticator {
  constructor(@Inject(AuthService) private readonly auth: AuthService) {}

  async authenticate(handshake: Handshake): Promise<Principal> {
    const token = handshake.auth['token'];
    if (token !== undefined) {
      const principal =
        typeof token === 'string' && token !== ''
          ? await this.auth.principalFromToken(token)
          : null;
      if (!principal)
        throw new SocketAuthError('invalid, expired or revoked API token');
      return principal;
    }
    const header = handshake.headers['cookie'];
    const sessionId = parseCookies(
      Array.isArray(header) ? header.join('; ') : (header ?? ''),
    )[SESSION_COOKIE];
    if (!sessionId) {
      throw new SocketAuthError(
        'authentication required: sign in or send an API token',
      );
    }
    const principal = await this.auth.principalFromSession(sessionId);
    if (!principal)
      throw new SocketAuthError('your session has expired; sign in again');
    return principal;
  }
}

export class SocketAuthError extends Error {
  /** socket.io hands `data` to the client's connect_error. */
  readonly data = { statusCode: 401 };
}

export function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    if (!name || name in out) continue;
    let value = part.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  return out;
}
