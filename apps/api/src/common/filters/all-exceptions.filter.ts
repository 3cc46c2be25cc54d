import { STATUS_CODES } from 'node:http';
import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import type { ErrorResponse } from '@velociraptor/domain';
import { TooManyRequestsException } from '../errors';
import { ValidationFailedException } from '../pipes/zod-validation.pipe';
import type { ApiRequest } from '../request-context';

/** Messages for the unique constraints a user can run into; named in the entities. */
const UNIQUE_MESSAGES: Record<string, string> = {
  UQ_users_username: 'a user with this username already exists',
  UQ_stacks_name: 'a stack with this name already exists',
  UQ_apps_name: 'an app with this name already exists',
  UQ_images_name: 'an image with this name already exists; try again',
  UQ_images_one_active_per_stack: 'the stack already has an active image',
};

interface PgError {
  code?: string;
  constraint?: string;
  table?: string;
  detail?: string;
}

interface Mapped {
  statusCode: number;
  message: string;
  fields?: Record<string, string>;
  retryAfterSeconds?: number;
}

function fromHttpException(exception: HttpException): Mapped {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  let message = exception.message;
  if (typeof response === 'string') message = response;
  else if (
    typeof response === 'object' &&
    response !== null &&
    'message' in response
  ) {
    const inner = (response as { message: unknown }).message;
    if (typeof inner === 'string') message = inner;
    else if (Array.isArray(inner)) message = inner.map(String).join('; ');
  }
  return {
    statusCode,
    message,
    fields:
      exception instanceof ValidationFailedException
        ? exception.fields
        : undefined,
    retryAfterSeconds:
      exception instanceof TooManyRequestsException
        ? exception.retryAfterSeconds
        : undefined,
  };
}

function fromDatabaseError(error: PgError): Mapped | null {
  switch (error.code) {
    case '23505': {
      const known = error.constraint
        ? UNIQUE_MESSAGES[error.constraint]
        : undefined;
      // detail reads like: Key (name)=(web) already exists.
      return {
        statusCode: HttpStatus.CONFLICT,
        message:
          known ??
          `already exists: ${error.detail ?? error.constraint ?? 'duplicate value'}`,
      };
    }
    case '23503':
      return {
        statusCode: HttpStatus.CONFLICT,
        message:
          'the change conflicts with records that refer to this one, or refers to a record that does not exist',
      };
    case '22P02':
      return {
        statusCode: HttpStatus.BAD_REQUEST,
        message: 'invalid identifier or value',
      };
    default:
      return null;
  }
}

/** Errors from express middleware (body-parser, multer) carry an http status and a safe message. */
function fromHttpError(error: unknown): Mapped | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, expose, message, type } = error as {
    status?: unknown;
    expose?: unknown;
    message?: unknown;
    type?: unknown;
  };
  if (
    typeof status !== 'number' ||
    status < 400 ||
    status > 499 ||
    expose !== true
  )
    return null;
  if (type === 'entity.parse.failed')
    return { statusCode: status, message: 'request body is not valid JSON' };
  if (type === 'entity.too.large')
    return { statusCode: status, message: 'request body is too large' };
  return {
    statusCode: status,
    message: typeof message === 'string' ? message : 'bad request',
  };
}

/** The one place errors become responses: `{ statusCode, error, message, requestId, fields? }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<ApiRequest>();
    const response = http.getResponse<Response>();
    const requestId = request.requestId ?? 'unknown';

    let mapped: Mapped | null =
      exception instanceof HttpException
        ? fromHttpException(exception)
        : exception instanceof QueryFailedError
          ? fromDatabaseError(exception.driverError as PgError)
          : fromHttpError(exception);
    if (!mapped) {
      this.logger.error(
        `request ${requestId} ${request.method} ${request.originalUrl} failed`,
        exception instanceof Error ? exception.stack : String(exception),
      );
      mapped = {
        statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
        message: 'Internal server error',
      };
    } else if (mapped.statusCode >= 500) {
      this.logger.warn(
        `request ${requestId} ${request.method} ${request.originalUrl}: ${mapped.message}`,
      );
    }

    const body: ErrorResponse = {
      statusCode: mapped.statusCode,
      error: STATUS_CODES[mapped.statusCode] ?? 'Error',
      message: mapped.message,
      requestId,
      ...(mapped.fields ? { fields: mapped.fields } : {}),
    };
    if (response.headersSent) {
      // A streamed response failed half-way: nothing more can be said to the client.
      response.destroy();
      return;
    }
    if (mapped.retryAfterSeconds !== undefined) {
      response.setHeader(
        'Retry-After',
        String(Math.max(1, Math.ceil(mapped.retryAfterSeconds))),
      );
    }
    response.status(mapped.statusCode).json(body);
  }
}
