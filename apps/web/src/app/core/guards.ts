import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';
import { AuthService } from './auth.service';

/** Pages behind sign-in; an unreachable API goes to a page that says so instead of the login form. */
export const authGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  try {
    const user = await auth.ensureLoaded();
    if (user) return true;
    return router.createUrlTree(['/login'], {
      queryParams: { returnUrl: state.url },
    });
  } catch {
    return router.createUrlTree(['/unavailable'], {
      queryParams: { returnUrl: state.url },
    });
  }
};

export const adminGuard: CanActivateFn = () => {
  const auth = inject(AuthService);
  return auth.isAdmin() ? true : inject(Router).createUrlTree(['/forbidden']);
};

/** The login page is pointless when already signed in. */
export const signedOutGuard: CanActivateFn = async (route) => {
  const auth = inject(AuthService);
  try {
    const user = await auth.ensureLoaded();
    if (!user) return true;
    const returnUrl = route.queryParamMap.get('returnUrl');
    return inject(Router).parseUrl(safeReturnUrl(returnUrl));
  } catch {
    return true;
  }
};

/** Only same-app paths are followed after sign-in (no `//evil.example` or absolute URLs). */
export function safeReturnUrl(value: string | null): string {
  if (
    !value ||
    !value.startsWith('/') ||
    value.startsWith('//') ||
    value.startsWith('/\\')
  )
    return '/stacks';
  return value;
}
