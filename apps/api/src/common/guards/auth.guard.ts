import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SESSION_COOKIE } from '@velociraptor/domain';
import { AuthService } from '../../auth/auth.service';
import { PUBLIC_KEY } from '../../auth/decorators';
import type { ApiRequest } from '../request-context';

/** Pulls the token out of `Authorization: Bearer <token>`; undefined when there is no such header. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

/** Global: every route needs a session cookie or an API token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (
      this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [
        context.getHandler(),
        context.getClass(),
      ])
    ) {
      return true;
    }
    const request = context.switchToHttp().getRequest<ApiRequest>();
    const token = bearerToken(request.get('authorization'));
    if (token !== undefined) {
      // An explicit token decides alone, even if a cookie came along.
      const principal = token
        ? await this.auth.principalFromToken(token)
        : null;
      if (!principal)
        throw new UnauthorizedException(
          'invalid, expired or revoked API token',
        );
      request.principal = principal;
      return true;
    }
    const sessionId = (request.cookies as Record<string, string> | undefined)?.[
      SESSION_COOKIE
    ];
    if (!sessionId)
      throw new UnauthorizedException(
        'authentication required: sign in or send an API token',
      );
    const principal = await this.auth.principalFromSession(sessionId);
    if (!principal)
      throw new UnauthorizedException(
        'your session has expired; sign in again',
      );
    request.principal = principal;
    return true;
  }
}
