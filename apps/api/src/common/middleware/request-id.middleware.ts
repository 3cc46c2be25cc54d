import { randomUUID } from 'node:crypto';
import type { NextFunction, Response } from 'express';
import { REQUEST_ID_HEADER, type ApiRequest } from '../request-context';

/** Accept a caller's id only if it is short and harmless to log. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Gives each request an id (the caller's X-Request-Id or a new one) and echoes it back. */
export function requestIdMiddleware(
  req: ApiRequest,
  res: Response,
  next: NextFunction,
): void {
  const given = req.get(REQUEST_ID_HEADER);
  req.requestId = given && ACCEPTABLE_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', req.requestId);
  next();
}
