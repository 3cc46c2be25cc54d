import {
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import type { Role, User } from '@velociraptor/domain';
import type { ApiRequest, Principal } from '../common/request-context';

export const PUBLIC_KEY = 'vr:public';
export const MIN_ROLE_KEY = 'vr:min-role';

/** No authentication needed (login, health). Everything else requires it. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The weakest role allowed; without it any signed-in user (viewer and up) may call. */
export const MinRole = (role: Role) => SetMetadata(MIN_ROLE_KEY, role);

/** The signed-in user; only on routes behind the auth guard. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): User => {
    return currentPrincipal(context).user;
  },
);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal =>
    currentPrincipal(context),
);

function currentPrincipal(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<ApiRequest>().principal;
  // The global auth guard runs first; reaching here without a principal is a wiring bug.
  if (!principal) throw new Error('no authenticated principal on this request');
  return principal;
}
