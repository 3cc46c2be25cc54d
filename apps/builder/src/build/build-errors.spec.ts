import { describeBuildError } from './build-errors';

class Coded extends Error {
  constructor(
    message: string,
    readonly code: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    Object.assign(this, extra);
  }
}

describe('describeBuildError', () => {
  it('reports the script exit status', () => {
    expect(
      describeBuildError(
        new Coded(
          'provisioning script failed with exit code 3',
          'SCRIPT_FAILED',
          {
            exitCode: 3,
          },
        ),
      ),
    ).toEqual({ message: 'script exited with status 3', exitCode: 3 });
  });
  it('reports both checksums', () => {
    expect(
      describeBuildError(
        new Coded('x', 'CHECKSUM_MISMATCH', {
          expected: 'sha256:aa',
          actual: 'sha256:bb',
        }),
      ).message,
    ).toBe('checksum mismatch: expected sha256:aa got sha256:bb');
  });
  it('reports the download failure with its URL', () => {
    const url = 'http://example.test/base.tar.zst';
    expect(
      describeBuildError(
        new Coded(`cannot fetch ${url}: HTTP 404`, 'DOWNLOAD_FAILED', { url }),
      ).message,
    ).toBe(`base image download failed: HTTP 404 for ${url}`);
  });
  it('falls back to the first line of anything else', () => {
    expect(describeBuildError(new Error('disk full\nstack')).message).toBe(
      'disk full',
    );
    expect(describeBuildError('boom').message).toBe('boom');
  });
});
