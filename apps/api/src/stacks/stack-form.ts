import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailedException } from '../common/pipes/zod-validation.pipe';

function invalid(field: string, message: string): ValidationFailedException {
  return new ValidationFailedException(
    `Invalid request: ${field}: ${message}`,
    { [field]: message },
  );
}

/** The part of an uploaded file we use (multer's memory storage fills it). */
export interface UploadedScript {
  buffer: Buffer;
}

/**
 * Turns a multipart stack form into the same shape as the JSON body: text parts are strings, so
 * `env` is parsed as JSON, `timeoutSeconds` as a number, `build` as a boolean, an empty
 * `baseImageChecksum` as null, and the uploaded `script` file as UTF-8 text. The domain schema
 * then validates it exactly like JSON.
 */
export function normaliseStackForm(
  fields: Record<string, unknown>,
  file: UploadedScript | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...fields };
  if (typeof body['env'] === 'string') {
    try {
      body['env'] = JSON.parse(body['env']) as unknown;
    } catch {
      throw invalid('env', 'must be a JSON object of names to strings');
    }
  }
  if (
    typeof body['timeoutSeconds'] === 'string' &&
    /^\s*\d+\s*$/.test(body['timeoutSeconds'])
  ) {
    body['timeoutSeconds'] = Number(body['timeoutSeconds']);
  }
  if (body['build'] === 'true' || body['build'] === 'false')
    body['build'] = body['build'] === 'true';
  if (body['baseImageChecksum'] === '') body['baseImageChecksum'] = null;
  if (file) {
    if (body['script'] !== undefined)
      throw invalid(
        'script',
        'send the script either as a file or as a text field, not both',
      );
    try {
      // fatal: reject instead of silently replacing invalid bytes; a leading BOM is dropped (it would break a shebang).
      body['script'] = new TextDecoder('utf-8', { fatal: true }).decode(
        file.buffer,
      );
    } catch {
      throw invalid('script', 'must be UTF-8 text');
    }
  }
  return body;
}

/** The stack request body, JSON or multipart (use with ScriptUploadInterceptor and a validation pipe). */
export const StackForm = createParamDecorator(
  (_: unknown, context: ExecutionContext): unknown => {
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.is('multipart/form-data')) return request.body as unknown;
    const { file } = request as Request & { file?: UploadedScript };
    return normaliseStackForm(
      { ...(request.body as Record<string, unknown>) },
      file,
    );
  },
);
