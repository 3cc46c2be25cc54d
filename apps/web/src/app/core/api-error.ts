import { HttpErrorResponse } from '@angular/common/http';
import type { ErrorResponse } from '@velociraptor/domain';

/** An API failure in the shape the pages show: a message, and per-field messages for forms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The API could not be reached at all (down, network gone, proxy error page). */
  get unreachable(): boolean {
    return (
      this.status === 0 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }

  get forbidden(): boolean {
    return this.status === 403;
  }
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ErrorResponse).message === 'string' &&
    typeof (body as ErrorResponse).statusCode === 'number'
  );
}

/** Turns whatever an HTTP call threw into an ApiError with a message a person can act on. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) {
      return new ApiError(
        0,
        'Cannot reach the Velociraptor API. Check your connection and try again.',
      );
    }
    let body: unknown = error.error;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // a plain-text body (e.g. from a proxy) is not an ErrorResponse
      }
    }
    if (isErrorResponse(body)) {
      return new ApiError(
        error.status,
        body.message,
        body.fields ?? {},
        body.requestId ?? null,
      );
    }
    if (error.status === 403)
      return new ApiError(403, 'You do not have permission to do this.');
    if (error.status === 404) return new ApiError(404, 'Not found.');
    if (error.status >= 502 && error.status <= 504) {
      return new ApiError(
        error.status,
        'The Velociraptor API is unavailable right now. Try again in a moment.',
      );
    }
    return new ApiError(
      error.status,
      `The request failed (HTTP ${error.status}).`,
    );
  }
  if (error instanceof Error) return new ApiError(-1, error.message);
  return new ApiError(-1, String(error));
}
