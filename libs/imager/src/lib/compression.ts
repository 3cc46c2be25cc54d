import { open } from 'node:fs/promises';
import { UnsupportedArchiveError } from './errors';

export type Compression = 'gzip' | 'xz' | 'bzip2' | 'zstd' | 'none';

/** Bytes needed to recognise every supported format (a tar header is 512). */
export const SNIFF_BYTES = 512;

function startsWith(buf: Buffer, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

/** A plain tar is recognised by its header checksum, which also covers v7 tars without "ustar". */
export function looksLikeTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  if (block.subarray(257, 262).toString('latin1') === 'ustar') return true;
  const stored = parseInt(
    block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim(),
    8,
  );
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++)
    sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === stored && block[0] !== 0;
}

/** Detects the compression of an archive from its first bytes; the file name is never consulted. */
export function detectCompression(head: Buffer): Compression | undefined {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  // "BZh" followed by the block size digit 1-9.
  if (
    startsWith(head, [0x42, 0x5a, 0x68]) &&
    (head[3] ?? 0) >= 0x31 &&
    (head[3] ?? 0) <= 0x39
  ) {
    return 'bzip2';
  }
  if (looksLikeTarHeader(head)) return 'none';
  return undefined;
}

export async function detectFileCompression(
  path: string,
): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    const kind = detectCompression(head.subarray(0, bytesRead));
    if (!kind) {
      throw new UnsupportedArchiveError(
        `${path} is not a tar archive compressed with gzip, xz, bzip2 or zstd (unrecognised first bytes ${head.subarray(0, 8).toString('hex')})`,
      );
    }
    return kind;
  } finally {
    await fh.close();
  }
}

/** argv of the decompressor writing the tar stream to stdout, or undefined for a plain tar. */
export function decompressorCommand(
  kind: Compression,
  available: (cmd: string) => boolean,
): string[] | undefined {
  switch (kind) {
    case 'gzip':
      return available('pigz') ? ['pigz', '-dc'] : ['gzip', '-dc'];
    case 'xz':
      return ['xz', '-dc', '-T0'];
    case 'bzip2':
      return available('lbzip2') ? ['lbzip2', '-dc'] : ['bzip2', '-dc'];
    case 'zstd':
      return ['zstd', '-dc', '-q'];
    case 'none':
      return undefined;
  }
}
