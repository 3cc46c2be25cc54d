import {
  randomBytes,
  scrypt,
  type ScryptOptions,
  timingSafeEqual,
} from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

/** ~100 ms and 32 MiB per hash on a current server core; raise with hardware. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 15, r: 8, p: 1 };
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

function derive(
  password: string,
  salt: Buffer,
  params: ScryptParams,
): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = {
    N,
    r: params.r,
    p: params.p,
    // scrypt needs 128 * N * r bytes; node's default cap (32 MiB) is exactly at the edge for N=2^15.
    maxmem: 256 * N * params.r,
  };
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      options,
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

const FORMAT =
  /^scrypt\$(\d{1,2})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Provided by value (see users.module.ts): the constructor takes plain parameters, not dependencies. */
/** Salted scrypt password hashes in the self-describing form `scrypt$logN$r$p$salt$hash`. */
export class PasswordHasher {
  constructor(private readonly params: ScryptParams = DEFAULT_SCRYPT_PARAMS) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.params);
    const { logN, r, p } = this.params;
    return `scrypt$${logN}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  }

  /** False for a wrong password or an unreadable hash; never throws for bad input. */
  async verify(password: string, stored: string): Promise<boolean> {
    const match = FORMAT.exec(stored);
    if (!match) return false;
    const params = {
      logN: Number(match[1]),
      r: Number(match[2]),
      p: Number(match[3]),
    };
    if (
      params.logN < 10 ||
      params.logN > 20 ||
      params.r < 1 ||
      params.p < 1 ||
      params.p > 16
    )
      return false;
    const expected = Buffer.from(match[5], 'base64url');
    if (expected.length !== KEY_LENGTH) return false;
    const key = await derive(
      password,
      Buffer.from(match[4], 'base64url'),
      params,
    );
    return timingSafeEqual(key, expected);
  }

  /** Spends the same time as a real check, so unknown usernames cannot be told apart by timing. */
  async verifyAgainstNothing(password: string): Promise<false> {
    await derive(password, randomBytes(SALT_BYTES), this.params);
    return false;
  }
}
