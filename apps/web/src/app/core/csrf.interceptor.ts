import { DOCUMENT } from '@angular/common';
import type { HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { CSRF_COOKIE, CSRF_HEADER } from '@velociraptor/domain';
import { readCookie } from './cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Only our own API gets the session cookie and the CSRF token, never a third-party URL. */
function isApiRequest(url: string): boolean {
  return url.startsWith('/api/') || url === '/api';
}

/**
 * Double-submit CSRF protection: the API sets a readable `vr_csrf` cookie at login and
 * refuses cookie-authenticated state-changing requests whose `X-CSRF-Token` header differs.
 */
export const csrfInterceptor: HttpInterceptorFn = (request, next) => {
  if (!isApiRequest(request.url)) return next(request);
  let headers = request.headers;
  if (
    !SAFE_METHODS.has(request.method.toUpperCase()) &&
    !headers.has(CSRF_HEADER)
  ) {
    const token = readCookie(inject(DOCUMENT).cookie, CSRF_COOKIE);
    if (token !== null) headers = headers.set(CSRF_HEADER, token);
  }
  return next(request.clone({ headers, withCredentials: true }));
};
