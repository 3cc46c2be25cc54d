/**
 * Turns a pipeline failure into a message a person can act on. Errors are
 * recognised by their stable `code` (libs/imager's ImagerError) so this file
 * does not depend on the error classes' internals.
 */
export function describeBuildError(err: unknown): {
  message: string;
  exitCode?: number;
} {
  const e = (err ?? {}) as {
    code?: unknown;
    exitCode?: unknown;
    expected?: unknown;
    actual?: unknown;
    url?: unknown;
    message?: unknown;
  };
  const message = firstLine(err);
  switch (e.code) {
    case 'SCRIPT_FAILED':
      if (typeof e.exitCode === 'number') {
        return {
          message: `script exited with status ${e.exitCode}`,
          exitCode: e.exitCode,
        };
      }
      break;
    case 'CHECKSUM_MISMATCH':
      if (typeof e.expected === 'string' && typeof e.actual === 'string') {
        return {
          message: `checksum mismatch: expected ${e.expected} got ${e.actual}`,
        };
      }
      break;
    case 'DOWNLOAD_FAILED':
      if (typeof e.url === 'string') {
        const marker = `${e.url}: `;
        const at = message.indexOf(marker);
        const reason = at >= 0 ? message.slice(at + marker.length) : message;
        return {
          message: `base image download failed: ${reason} for ${e.url}`,
        };
      }
      break;
  }
  return { message };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.trim() || 'unknown error';
}
