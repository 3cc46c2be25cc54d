/** Base class so callers can tell object-store failures from everything else. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ObjectNotFoundError extends StorageError {
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`object not found: s3://${bucket}/${key}`);
  }
}

export class UploadError extends StorageError {
  constructor(
    readonly key: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`upload of ${key} failed: ${reason}`, options);
  }
}

export class UploadAbortedError extends UploadError {
  constructor(key: string, reason: 'cancelled' | 'timed out') {
    super(key, reason);
  }
}

export class InvalidStoreConfigError extends StorageError {}

/** One readable line out of whatever minio or the socket threw. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const msg = err.message.split('\n')[0] || err.name;
    return typeof code === 'string' && !msg.includes(code)
      ? `${code}: ${msg}`
      : msg;
  }
  return String(err);
}
