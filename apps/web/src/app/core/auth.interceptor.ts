import {
  HttpErrorResponse,
  type HttpInterceptorFn,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { AuthService } from './auth.service';

/** Calls whose 401 is an answer, not an expired session. */
const EXPECTS_401 = ['/api/auth/login', '/api/auth/me'];

/** A 401 anywhere else means the session is gone: go to the login page and come back after. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  return next(request).pipe(
    catchError((error: unknown) => {
      if (
        error instanceof HttpErrorResponse &&
        error.status === 401 &&
        !EXPECTS_401.includes(request.url)
      ) {
        auth.handleUnauthorized(router.url);
      }
      return throwError(() => error);
    }),
  );
};
