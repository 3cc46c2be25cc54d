import { LxcError } from '@velociraptor/lxc';
import {
  CancelledError,
  ImagerError,
  oneLine,
  ScriptFailedError,
  TimeoutError,
} from '@velociraptor/imager';
import { StackFileError } from './stack-file';

export const EXIT_OK = 0;
/** Any failure other than the ones below (download, checksum, archive, LXC, ...). */
export const EXIT_FAILURE = 1;
/** Bad command line or stack file. */
export const EXIT_USAGE = 2;
/** Like timeout(1). */
export const EXIT_TIMEOUT = 124;
/** 128 + SIGINT, like a shell. */
export const EXIT_CANCELLED = 130;

/** One line for the user and the exit code for an error. */
export function describeFailure(err: unknown): {
  message: string;
  exitCode: number;
} {
  if (err instanceof ScriptFailedError) {
    // The script's own exit code; 0 cannot happen here, so keep failures non-zero.
    return {
      message: err.message,
      exitCode:
        err.exitCode > 0 && err.exitCode < 256 ? err.exitCode : EXIT_FAILURE,
    };
  }
  if (err instanceof StackFileError)
    return { message: err.message, exitCode: EXIT_USAGE };
  if (err instanceof TimeoutError)
    return { message: err.message, exitCode: EXIT_TIMEOUT };
  if (err instanceof CancelledError)
    return { message: err.message, exitCode: EXIT_CANCELLED };
  if (err instanceof ImagerError || err instanceof LxcError)
    return { message: oneLine(err), exitCode: EXIT_FAILURE };
  return {
    message: `unexpected error: ${oneLine(err)}`,
    exitCode: EXIT_FAILURE,
  };
}
