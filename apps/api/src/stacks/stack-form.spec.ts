import { normaliseStackForm, type UploadedScript } from './stack-form';

function file(content: Buffer): UploadedScript {
  return { buffer: content };
}

describe('normaliseStackForm', () => {
  it('converts text parts to the JSON shapes', () => {
    expect(
      normaliseStackForm(
        {
          name: 'web',
          env: '{"A":"1"}',
          timeoutSeconds: '600',
          build: 'true',
          baseImageChecksum: '',
        },
        file(Buffer.from('#!/bin/sh\necho hi\n')),
      ),
    ).toEqual({
      name: 'web',
      env: { A: '1' },
      timeoutSeconds: 600,
      build: true,
      baseImageChecksum: null,
      script: '#!/bin/sh\necho hi\n',
    });
  });

  it('leaves values it cannot convert for the schema to reject', () => {
    expect(
      normaliseStackForm({ timeoutSeconds: 'soon', build: 'maybe' }, undefined),
    ).toEqual({
      timeoutSeconds: 'soon',
      build: 'maybe',
    });
  });

  it('rejects a script that is not UTF-8', () => {
    expect(() =>
      normaliseStackForm({}, file(Buffer.from([0x65, 0x63, 0xff, 0xfe, 0x0a]))),
    ).toThrow(
      expect.objectContaining({ fields: { script: 'must be UTF-8 text' } }),
    );
  });

  it('rejects env that is not JSON', () => {
    expect(() => normaliseStackForm({ env: 'A=1' }, undefined)).toThrow(
      expect.objectContaining({
        fields: { env: expect.stringContaining('JSON') },
      }),
    );
  });

  it('refuses a script given both as a file and as text', () => {
    expect(() =>
      normaliseStackForm({ script: 'echo' }, file(Buffer.from('echo'))),
    ).toThrow(
      expect.objectContaining({
        fields: { script: expect.stringContaining('not both') },
      }),
    );
  });

  it('drops a UTF-8 byte order mark, which would break the shebang', () => {
    expect(
      normaliseStackForm({}, file(Buffer.from('\ufeff#!/bin/sh\n')))['script'],
    ).toBe('#!/bin/sh\n');
  });
});
