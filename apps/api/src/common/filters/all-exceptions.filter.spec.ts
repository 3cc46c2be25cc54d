import {
  type ArgumentsHost,
  ForbiddenException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { TooManyRequestsException } from '../errors';
import { validationException } from '../pipes/zod-validation.pipe';
import { AllExceptionsFilter } from './all-exceptions.filter';

interface Captured {
  status?: number;
  body?: unknown;
  headers: Record<string, string>;
}

function hostFor(captured: Captured): ArgumentsHost {
  const response = {
    headersSent: false,
    setHeader: (name: string, value: string) => {
      captured.headers[name] = value;
    },
    status(code: number) {
      captured.status = code;
      return this;
    },
    json(body: unknown) {
      captured.body = body;
      return this;
    },
    destroy: jest.fn(),
  };
  const request = {
    requestId: 'req-1',
    method: 'POST',
    originalUrl: '/api/stacks',
  };
  return {
    getType: () => 'http',
    switchToHttp: () => ({
      getRequest: () => request,
      getResponse: () => response,
    }),
  } as unknown as ArgumentsHost;
}

function run(exception: unknown): Captured {
  const captured: Captured = { headers: {} };
  new AllExceptionsFilter().catch(exception, hostFor(captured));
  return captured;
}

function uniqueViolation(constraint: string): QueryFailedError {
  const driverError = Object.assign(
    new Error('duplicate key value violates unique constraint'),
    {
      code: '23505',
      constraint,
      detail: 'Key (name)=(web) already exists.',
    },
  );
  return new QueryFailedError('INSERT ...', [], driverError);
}

describe('AllExceptionsFilter', () => {
  it('shapes HTTP exceptions as { statusCode, error, message, requestId }', () => {
    expect(run(new NotFoundException('stack "x" not found'))).toEqual({
      status: 404,
      headers: {},
      body: {
        statusCode: 404,
        error: 'Not Found',
        message: 'stack "x" not found',
        requestId: 'req-1',
      },
    });
    expect(run(new ForbiddenException()).body).toMatchObject({
      statusCode: 403,
      error: 'Forbidden',
    });
  });

  it('adds the per-field messages of validation errors', () => {
    const exception = validationException([
      {
        code: 'unrecognized_keys',
        keys: ['colour'],
        path: [],
        message: 'x',
        input: {},
      },
    ]);
    expect(run(exception).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Invalid request: colour: is not a known field',
      requestId: 'req-1',
      fields: { colour: 'is not a known field' },
    });
  });

  it('turns unknown errors into a 500 without internals, and logs them with the request id', () => {
    const log = jest
      .spyOn(Logger.prototype, 'error')
      .mockImplementation(() => undefined);
    const result = run(new Error('password=hunter2 at /srv/secret.ts:12'));
    expect(result.status).toBe(500);
    expect(result.body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: 'req-1',
    });
    expect(log).toHaveBeenCalledWith(
      expect.stringContaining('req-1'),
      expect.stringContaining('hunter2'),
    );
    log.mockRestore();
  });

  it('maps unique violations to 409 with a clear message', () => {
    const result = run(uniqueViolation('UQ_stacks_name'));
    expect(result.status).toBe(409);
    expect(result.body).toMatchObject({
      error: 'Conflict',
      message: 'a stack with this name already exists',
    });
    expect(run(uniqueViolation('UQ_unknown')).body).toMatchObject({
      statusCode: 409,
      message: 'already exists: Key (name)=(web) already exists.',
    });
  });

  it('sends Retry-After with 429', () => {
    const result = run(new TooManyRequestsException('slow down', 61.2));
    expect(result.status).toBe(429);
    expect(result.headers['Retry-After']).toBe('62');
  });

  it('passes through client errors raised by express middleware', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      expose: true,
      type: 'entity.too.large',
    });
    expect(run(tooLarge).body).toMatchObject({
      statusCode: 413,
      message: 'request body is too large',
    });
  });
});
