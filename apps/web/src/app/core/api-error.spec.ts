import { HttpErrorResponse } from '@angular/common/http';
import { toApiError } from './api-error';
import { errorsUnder, validate } from './validation';
import { createStackSchema } from '@velociraptor/domain';

describe('toApiError', () => {
  it('keeps the API message and field errors', () => {
    const error = toApiError(
      new HttpErrorResponse({
        status: 400,
        error: {
          statusCode: 400,
          error: 'Bad Request',
          message: 'Validation failed',
          requestId: 'r1',
          fields: { name: 'bad' },
        },
      }),
    );
    expect(error).toMatchObject({
      status: 400,
      message: 'Validation failed',
      fields: { name: 'bad' },
      requestId: 'r1',
    });
  });

  it('says when the API cannot be reached', () => {
    const error = toApiError(new HttpErrorResponse({ status: 0 }));
    expect(error.unreachable).toBe(true);
    expect(error.message).toContain('Cannot reach');
  });

  it('parses an error body delivered as text and names a bare 403', () => {
    const text = toApiError(
      new HttpErrorResponse({
        status: 409,
        error: JSON.stringify({
          statusCode: 409,
          error: 'Conflict',
          message: 'apps link to it: web',
          requestId: 'x',
        }),
      }),
    );
    expect(text.message).toBe('apps link to it: web');
    expect(
      toApiError(new HttpErrorResponse({ status: 403, error: 'nope' }))
        .forbidden,
    ).toBe(true);
  });
});

describe('validate', () => {
  it('maps zod issues to the dotted keys the API uses', () => {
    const result = validate(createStackSchema, {
      name: 'Bad Name',
      baseImageUrl: 'ftp://x',
      script: '',
      env: { 'BAD-NAME': 'x' },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fields).sort()).toEqual([
      'baseImageUrl',
      'env.BAD-NAME',
      'name',
      'script',
    ]);
    expect(errorsUnder(result.fields, 'env')).toEqual([
      'BAD-NAME: env names must match [A-Za-z_][A-Za-z0-9_]*',
    ]);
  });
});
