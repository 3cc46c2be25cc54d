import { parseChecksum, formatChecksum, DualHasher } from './checksum';
import { InvalidChecksumError } from './errors';

const md5 = 'd41d8cd98f00b204e9800998ecf8427e';
const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('parseChecksum', () => {
  it('parses prefixed digests, case-insensitively', () => {
    expect(parseChecksum(`md5:${md5}`)).toEqual({ algorithm: 'md5', hex: md5 });
    expect(parseChecksum(`SHA256:${sha.toUpperCase()}`)).toEqual({
      algorithm: 'sha256',
      hex: sha,
    });
  });
  it('infers the algorithm of a bare digest from its length', () => {
    expect(parseChecksum(` ${md5} `).algorithm).toBe('md5');
    expect(parseChecksum(sha).algorithm).toBe('sha256');
  });
  it.each([
    ['md5:abc', /32 hex digits/],
    [`sha1:${md5}`, /unsupported algorithm "sha1"/],
    ['abcd', /32 \(md5\) or 64 \(sha256\)/],
    ['md5:zz', /expected md5:<hex>/],
    ['', /expected md5:<hex>/],
    [`sha256:${md5}`, /64 hex digits/],
  ])('rejects %p', (input, msg) => {
    expect(() => parseChecksum(input)).toThrow(InvalidChecksumError);
    expect(() => parseChecksum(input)).toThrow(msg);
  });
  it('round-trips through formatChecksum', () => {
    expect(formatChecksum(parseChecksum(md5))).toBe(`md5:${md5}`);
  });
});

describe('DualHasher', () => {
  it('hashes the empty input to the well-known digests', () => {
    expect(new DualHasher().digest()).toEqual({ md5, sha256: sha, size: 0 });
  });
});
