import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from '@velociraptor/domain';
import { csrfTokenFor, safeEqual } from '../../auth/secrets';
import type { ApiRequest } from '../request-context';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit CSRF check for cookie-authenticated changes: the X-CSRF-Token header must equal the
 * vr_csrf cookie, and that value must belong to the session (it is derived from the session id).
 * A cross-site page can make the browser send cookies but can neither read them nor set the header.
 * Token-authenticated requests carry no ambient credentials and are exempt.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<ApiRequest>();
    if (
      request.principal?.via !== 'session' ||
      SAFE_METHODS.has(request.method)
    )
      return true;
    const cookies = (request.cookies ?? {}) as Record<
      string,
      string | undefined
    >;
    const header = request.get(CSRF_HEADER);
    const cookie = cookies[CSRF_COOKIE];
    const sessionId = cookies[SESSION_COOKIE];
    if (
      header &&
      cookie &&
      sessionId &&
      safeEqual(header, cookie) &&
      safeEqual(header, csrfTokenFor(sessionId))
    ) {
      return true;
    }
    throw new ForbiddenException(
      `missing or invalid CSRF token: send the value of the ${CSRF_COOKIE} cookie in the X-CSRF-Token header`,
    );
  }
}
