import type { ExecutionContext } from '@nestjs/common';
import { ForbiddenException } from '@nestjs/common';
import { CSRF_COOKIE, SESSION_COOKIE } from '@velociraptor/domain';
import { csrfTokenFor } from '../../auth/secrets';
import type { Principal } from '../request-context';
import { CsrfGuard } from './csrf.guard';

const sessionId = 'session-secret-id';
const goodToken = csrfTokenFor(sessionId);
const user = {
  id: 'u1',
  username: 'ann',
  role: 'member' as const,
  disabled: false,
  createdAt: '',
};

function context(options: {
  method: string;
  via?: Principal['via'];
  header?: string;
  cookies?: Record<string, string>;
}): ExecutionContext {
  const request = {
    method: options.method,
    principal: options.via
      ? { user, via: options.via, credentialId: 'x' }
      : undefined,
    cookies: options.cookies ?? {},
    get: (name: string) =>
      name.toLowerCase() === 'x-csrf-token' ? options.header : undefined,
  };
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const cookies = { [SESSION_COOKIE]: sessionId, [CSRF_COOKIE]: goodToken };

describe('CsrfGuard', () => {
  const guard = new CsrfGuard();

  it('accepts a cookie-authenticated change whose header matches the cookie and the session', () => {
    expect(
      guard.canActivate(
        context({ method: 'POST', via: 'session', header: goodToken, cookies }),
      ),
    ).toBe(true);
  });

  it.each(['POST', 'PATCH', 'PUT', 'DELETE'])(
    'rejects %s without the header',
    (method) => {
      expect(() =>
        guard.canActivate(context({ method, via: 'session', cookies })),
      ).toThrow(ForbiddenException);
    },
  );

  it('rejects a header that differs from the cookie', () => {
    expect(() =>
      guard.canActivate(
        context({
          method: 'POST',
          via: 'session',
          header: goodToken + 'x',
          cookies,
        }),
      ),
    ).toThrow(ForbiddenException);
  });

  it('rejects a matching pair that does not belong to the session (planted cookie)', () => {
    const planted = {
      [SESSION_COOKIE]: sessionId,
      [CSRF_COOKIE]: 'attacker-chosen',
    };
    expect(() =>
      guard.canActivate(
        context({
          method: 'POST',
          via: 'session',
          header: 'attacker-chosen',
          cookies: planted,
        }),
      ),
    ).toThrow(/X-CSRF-Token/);
  });

  it('lets safe methods through', () => {
    expect(
      guard.canActivate(context({ method: 'GET', via: 'session', cookies })),
    ).toBe(true);
    expect(
      guard.canActivate(context({ method: 'HEAD', via: 'session', cookies })),
    ).toBe(true);
  });

  it('exempts API tokens and public routes', () => {
    expect(guard.canActivate(context({ method: 'DELETE', via: 'token' }))).toBe(
      true,
    );
    expect(guard.canActivate(context({ method: 'POST' }))).toBe(true);
  });
});
