import { createHash, type Hash } from 'node:crypto';
import { InvalidChecksumError } from './errors';

export type ChecksumAlgorithm = 'md5' | 'sha256';

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  /** Lower-case hex digest. */
  hex: string;
}

const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { md5: 32, sha256: 64 };

/**
 * Accepts `md5:<hex>`, `sha256:<hex>` (case-insensitive) or a bare hex digest
 * whose length tells the algorithm (32 -> md5, 64 -> sha256).
 */
export function parseChecksum(input: string): Checksum {
  const s = input.trim();
  const m = /^(?:([a-z0-9]+):)?([0-9a-f]+)$/i.exec(s);
  if (!m) {
    throw new InvalidChecksumError(
      `invalid checksum "${input}": expected md5:<hex> or sha256:<hex>`,
    );
  }
  const hex = (m[2] ?? '').toLowerCase();
  let algorithm: ChecksumAlgorithm;
  const prefix = m[1]?.toLowerCase();
  if (prefix === undefined) {
    if (hex.length === 32) algorithm = 'md5';
    else if (hex.length === 64) algorithm = 'sha256';
    else {
      throw new InvalidChecksumError(
        `invalid checksum "${input}": a bare digest must be 32 (md5) or 64 (sha256) hex digits`,
      );
    }
  } else if (prefix === 'md5' || prefix === 'sha256') {
    algorithm = prefix;
  } else {
    throw new InvalidChecksumError(
      `invalid checksum "${input}": unsupported algorithm "${prefix}" (use md5 or sha256)`,
    );
  }
  if (hex.length !== HEX_LENGTH[algorithm]) {
    throw new InvalidChecksumError(
      `invalid checksum "${input}": ${algorithm} needs ${HEX_LENGTH[algorithm]} hex digits, got ${hex.length}`,
    );
  }
  return { algorithm, hex };
}

export function formatChecksum(c: Checksum): string {
  return `${c.algorithm}:${c.hex}`;
}

/** md5 and sha256 of the same bytes in one pass. */
export class DualHasher {
  private readonly md5: Hash = createHash('md5');
  private readonly sha256: Hash = createHash('sha256');
  size = 0;

  update(chunk: Buffer): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.size += chunk.length;
  }

  digest(): { md5: string; sha256: string; size: number } {
    return {
      md5: this.md5.digest('hex'),
      sha256: this.sha256.digest('hex'),
      size: this.size,
    };
  }
}
