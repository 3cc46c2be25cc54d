import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import multer, { MulterError } from 'multer';
import type { Observable } from 'rxjs';
import { MAX_SCRIPT_BYTES } from '@velociraptor/domain';
import { ValidationFailedException } from '../pipes/zod-validation.pipe';

export const SCRIPT_FIELD = 'script';

/**
 * Accepts `multipart/form-data` with the provisioning script as the file part `script` (kept in memory,
 * at most 1 MiB) and the other fields as text parts. JSON requests pass through untouched.
 */
const upload = multer({
  storage: multer.memoryStorage(),
  limits: {
    fileSize: MAX_SCRIPT_BYTES,
    files: 1,
    fields: 20,
    fieldSize: 2 * MAX_SCRIPT_BYTES,
    parts: 21,
  },
}).single(SCRIPT_FIELD);

function toHttpError(error: unknown): Error {
  if (!(error instanceof MulterError)) return error as Error;
  switch (error.code) {
    case 'LIMIT_FILE_SIZE':
      return new ValidationFailedException(
        'Invalid request: script: must be at most 1 MiB',
        {
          script: 'must be at most 1 MiB',
        },
      );
    case 'LIMIT_UNEXPECTED_FILE':
    case 'LIMIT_FILE_COUNT':
      return new ValidationFailedException(
        `Invalid request: ${error.field ?? 'file'}: only one file, named "${SCRIPT_FIELD}", may be uploaded`,
        {
          [error.field ?? 'file']:
            `only one file, named "${SCRIPT_FIELD}", may be uploaded`,
        },
      );
    case 'LIMIT_FIELD_VALUE':
      return new PayloadTooLargeException(
        `form field "${error.field ?? ''}" is too large`,
      );
    default:
      return new ValidationFailedException(
        `Invalid request: ${error.message}`,
        {
          [error.field ?? '(body)']: error.message,
        },
      );
  }
}

@Injectable()
export class ScriptUploadInterceptor implements NestInterceptor {
  async intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (request.is('multipart/form-data')) {
      await new Promise<void>((resolve, reject) =>
        upload(request, http.getResponse<Response>(), (error: unknown) =>
          error ? reject(toHttpError(error)) : resolve(),
        ),
      );
    }
    return next.handle();
  }
}
