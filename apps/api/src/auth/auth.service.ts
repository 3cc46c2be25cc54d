import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { LoginRequest, User } from '@velociraptor/domain';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../common/request-context';
import { TokensService } from '../tokens/tokens.service';
import { toUser, UsersService } from '../users/users.service';
import { LoginLimiter } from './login-limiter.service';
import { PasswordHasher } from './password.service';
import { type NewSession, SessionsService } from './sessions.service';

export interface LoginResult {
  user: User;
  session: NewSession;
}

const INVALID_CREDENTIALS = 'invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    @Inject(UsersService) private readonly users: UsersService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(TokensService) private readonly tokens: TokensService,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(LoginLimiter) private readonly limiter: LoginLimiter,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async login(request: LoginRequest, ip: string): Promise<LoginResult> {
    await this.limiter.assertAllowed(request.username, ip);
    const entity = await this.users.findByUsername(request.username);
    const valid = entity
      ? await this.hasher.verify(request.password, entity.passwordHash)
      : await this.hasher.verifyAgainstNothing(request.password);
    if (!entity || !valid || entity.disabled) {
      // A disabled account gets the same answer: no hint that the password was right.
      await this.limiter.recordFailure(request.username, ip);
      await this.audit.record({
        actor: null,
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: entity?.id ?? null,
        details: { username: request.username, ip },
      });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await this.limiter.recordSuccess(request.username);
    const session = await this.sessions.create(entity.id);
    const user = toUser(entity);
    await this.audit.record({
      actor: user,
      action: 'auth.login',
      targetType: 'user',
      targetId: user.id,
      details: { ip },
    });
    return { user, session };
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.via !== 'session') return;
    await this.sessions.destroy(principal.credentialId);
    await this.audit.record({
      actor: principal.user,
      action: 'auth.logout',
      targetType: 'user',
      targetId: principal.user.id,
    });
  }

  /** For the session cookie; also used by the socket.io handshake. Null when unknown, expired or disabled. */
  async principalFromSession(sessionId: string): Promise<Principal | null> {
    const session = await this.sessions.resolve(sessionId);
    if (!session || session.user.disabled) return null;
    return {
      user: toUser(session.user),
      via: 'session',
      credentialId: session.idHash,
    };
  }

  /** For `Authorization: Bearer vr_…`; also used by the socket.io handshake. */
  async principalFromToken(token: string): Promise<Principal | null> {
    const resolved = await this.tokens.resolve(token);
    if (!resolved || resolved.user.disabled) return null;
    return {
      user: toUser(resolved.user),
      via: 'token',
      credentialId: resolved.tokenId,
    };
  }
}
