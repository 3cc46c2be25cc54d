/**
 * Every failure of the pipeline is an ImagerError with a one-line message that
 * a CLI can print as is; `code` is stable for programs.
 */
export abstract class ImagerError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ChecksumMismatchError extends ImagerError {
  readonly code = 'CHECKSUM_MISMATCH';
  constructor(
    readonly source: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `checksum mismatch for ${source}: expected ${expected}, got ${actual}`,
    );
  }
}

export class InvalidChecksumError extends ImagerError {
  readonly code = 'INVALID_CHECKSUM';
}

export class UnsafeArchiveError extends ImagerError {
  readonly code = 'UNSAFE_ARCHIVE';
  /** `entry` is undefined when tar reports the problem without naming the member. */
  constructor(
    readonly entry: string | undefined,
    readonly reason: string,
  ) {
    super(
      entry === undefined
        ? `unsafe archive: ${reason}`
        : `unsafe archive: entry "${entry}" ${reason}`,
    );
  }
}

export class ArchiveError extends ImagerError {
  readonly code = 'ARCHIVE_ERROR';
}

export class UnsupportedArchiveError extends ImagerError {
  readonly code = 'UNSUPPORTED_ARCHIVE';
}

export class DownloadError extends ImagerError {
  readonly code = 'DOWNLOAD_FAILED';
  constructor(
    readonly url: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot fetch ${url}: ${reason}`, options);
  }
}

export class ScriptFailedError extends ImagerError {
  readonly code = 'SCRIPT_FAILED';
  constructor(readonly exitCode: number) {
    super(`provisioning script failed with exit code ${exitCode}`);
  }
}

export class TimeoutError extends ImagerError {
  readonly code = 'TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    readonly phase: string,
  ) {
    super(`build timed out after ${timeoutMs} ms (during ${phase})`);
  }
}

export class CancelledError extends ImagerError {
  readonly code = 'CANCELLED';
  constructor(readonly phase: string) {
    super(`build cancelled (during ${phase})`);
  }
}

export class PackError extends ImagerError {
  readonly code = 'PACK_FAILED';
}

export class ContainerError extends ImagerError {
  readonly code = 'CONTAINER_FAILED';
}

/** First line of an error's message, for one-line reports. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (
    msg.split('\n')[0]?.trim() || (err instanceof Error ? err.name : 'error')
  );
}
