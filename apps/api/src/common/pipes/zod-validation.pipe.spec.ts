import { BadRequestException } from '@nestjs/common';
import { createStackSchema, updateAppSchema } from '@velociraptor/domain';
import {
  ValidationFailedException,
  ZodValidationPipe,
} from './zod-validation.pipe';

const valid = {
  name: 'web',
  baseImageUrl: 'https://example.org/base.tar.gz',
  script: 'echo hi',
};

function failure(
  pipe: ZodValidationPipe<never>,
  value: unknown,
): ValidationFailedException {
  try {
    pipe.transform(value);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return error as ValidationFailedException;
  }
  throw new Error('expected a validation failure');
}

describe('ZodValidationPipe', () => {
  const pipe = new ZodValidationPipe(
    createStackSchema,
  ) as unknown as ZodValidationPipe<never>;

  it('returns the parsed value with defaults filled', () => {
    expect(pipe.transform(valid)).toMatchObject({
      ...valid,
      env: {},
      network: 'host',
      timeoutSeconds: 3600,
    });
  });

  it('names every bad field in the message and the fields map', () => {
    const error = failure(pipe, {
      ...valid,
      name: 'Bad Name',
      baseImageChecksum: 'md5:xyz',
      env: { '1X': 'y' },
    });
    expect(Object.keys(error.fields).sort()).toEqual([
      'baseImageChecksum',
      'env.1X',
      'name',
    ]);
    expect(error.message).toMatch(/^Invalid request: /);
    for (const field of ['name', 'baseImageChecksum', 'env.1X'])
      expect(error.message).toContain(`${field}: `);
  });

  it('says a missing field is required', () => {
    const error = failure(pipe, { name: 'web', baseImageUrl: '/srv/base.tar' });
    expect(error.fields).toEqual({ script: 'is required' });
  });

  it('names each unknown field', () => {
    const error = failure(pipe, { ...valid, colour: 'red', size: 3 });
    expect(error.fields).toEqual({
      colour: 'is not a known field',
      size: 'is not a known field',
    });
  });

  it('treats a missing body as an empty object', () => {
    const optional = new ZodValidationPipe(updateAppSchema);
    expect(optional.transform(undefined)).toEqual({});
  });

  it('reports a wrong type with zod’s message', () => {
    const error = failure(pipe, { ...valid, timeoutSeconds: 'soon' });
    expect(error.fields['timeoutSeconds']).toMatch(/number/);
  });
});
