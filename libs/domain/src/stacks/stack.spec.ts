import { createStackSchema, updateStackSchema } from './stack';

const valid = {
  name: 'debian_bookworm-1',
  baseImageUrl: 'https://example.org/base.tar.gz',
  script: '#!/bin/sh\necho hi\n',
};

function issuePaths(input: unknown): string[] {
  const result = createStackSchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => issue.path.join('.') || issue.code);
}

describe('createStackSchema', () => {
  it('accepts a minimal stack and fills defaults', () => {
    const stack = createStackSchema.parse(valid);
    expect(stack).toMatchObject({
      description: '',
      env: {},
      timeoutSeconds: 3600,
      network: 'host',
    });
  });

  it.each([
    ['name', { ...valid, name: 'Bad Name' }],
    ['name', { ...valid, name: '../etc' }],
    ['script', { ...valid, script: undefined }],
    ['script', { ...valid, script: '' }],
    ['baseImageUrl', { ...valid, baseImageUrl: 'ftp://x/y' }],
    ['baseImageUrl', { ...valid, baseImageUrl: 'not a url' }],
    ['baseImageUrl', { ...valid, baseImageUrl: 'relative/path.tar' }],
    ['baseImageChecksum', { ...valid, baseImageChecksum: 'md5:xyz' }],
    [
      'baseImageChecksum',
      { ...valid, baseImageChecksum: 'sha1:' + 'a'.repeat(40) },
    ],
    ['env.1BAD', { ...valid, env: { '1BAD': 'x' } }],
  ])('rejects a bad %s', (field, input) => {
    expect(issuePaths(input)).toContain(field);
  });

  it('rejects unknown fields, naming them', () => {
    const result = createStackSchema.safeParse({ ...valid, colour: 'red' });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('colour');
  });

  it('accepts absolute paths and both checksum kinds', () => {
    expect(
      issuePaths({
        ...valid,
        baseImageUrl: '/srv/base.tar.zst',
        baseImageChecksum: 'md5:' + 'a'.repeat(32),
      }),
    ).toEqual([]);
    expect(
      issuePaths({ ...valid, baseImageChecksum: 'sha256:' + '0'.repeat(64) }),
    ).toEqual([]);
  });
});

describe('updateStackSchema', () => {
  it('allows partial updates and clearing the checksum', () => {
    expect(updateStackSchema.parse({ baseImageChecksum: null })).toEqual({
      baseImageChecksum: null,
    });
  });
});
