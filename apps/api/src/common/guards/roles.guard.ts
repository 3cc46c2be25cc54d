import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { roleAtLeast, type Role } from '@velociraptor/domain';
import { MIN_ROLE_KEY } from '../../auth/decorators';
import type { ApiRequest } from '../request-context';

/** admin ⊃ member ⊃ viewer: enforces @MinRole() on the handler or its controller. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const required = this.reflector.getAllAndOverride<Role | undefined>(
      MIN_ROLE_KEY,
      [context.getHandler(), context.getClass()],
    );
    if (!required) return true;
    const principal = context.switchToHttp().getRequest<ApiRequest>().principal;
    if (!principal) return true; // public route; the auth guard decided
    if (roleAtLeast(principal.user.role, required)) return true;
    throw new ForbiddenException(
      `this needs the ${required} role; you are ${principal.user.role}`,
    );
  }
}
