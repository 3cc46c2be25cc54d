import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decompressorCommand,
  detectCompression,
  detectFileCompression,
} from './compression';
import { UnsupportedArchiveError } from './errors';

/** A real one-file tar, so the checksum-based recognition is tested on GNU tar output. */
function makeTar(dir: string, format: string): Buffer {
  writeFileSync(join(dir, 'hello.txt'), 'hi\n');
  return execFileSync('tar', [
    '-c',
    `--format=${format}`,
    '-C',
    dir,
    'hello.txt',
  ]);
}

describe('detectCompression', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imager-magic-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['gzip', [0x1f, 0x8b, 0x08, 0x00]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0x04]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39, 0x31]],
  ])('recognises %s by its magic bytes', (kind, bytes) => {
    expect(detectCompression(Buffer.from(bytes))).toBe(kind);
  });

  it.each(['gnu', 'ustar', 'posix', 'v7'])(
    'recognises a plain %s tar',
    (format) => {
      expect(detectCompression(makeTar(dir, format))).toBe('none');
    },
  );

  it('recognises what the real compressors produce, whatever the file is called', async () => {
    const tar = makeTar(dir, 'gnu');
    for (const [cmd, kind] of [
      ['gzip', 'gzip'],
      ['xz', 'xz'],
      ['bzip2', 'bzip2'],
      ['zstd', 'zstd'],
    ] as const) {
      const file = join(
        dir,
        `misleading-name.${cmd === 'gzip' ? 'zst' : 'tar.gz'}`,
      );
      writeFileSync(file, execFileSync(cmd, ['-c'], { input: tar }));
      await expect(detectFileCompression(file)).resolves.toBe(kind);
    }
  });

  it('rejects something that is not an archive', async () => {
    expect(
      detectCompression(Buffer.from('#!/bin/sh\necho hi\n')),
    ).toBeUndefined();
    expect(detectCompression(Buffer.from('BZhx'))).toBeUndefined();
    expect(detectCompression(Buffer.alloc(512))).toBeUndefined();
    const file = join(dir, 'image.tar.gz');
    writeFileSync(file, '<html>404 not found</html>');
    await expect(detectFileCompression(file)).rejects.toThrow(
      UnsupportedArchiveError,
    );
  });

  it('prefers the parallel decompressors when present', () => {
    expect(decompressorCommand('gzip', () => true)).toEqual(['pigz', '-dc']);
    expect(decompressorCommand('gzip', () => false)).toEqual(['gzip', '-dc']);
    expect(decompressorCommand('none', () => true)).toBeUndefined();
  });
});
