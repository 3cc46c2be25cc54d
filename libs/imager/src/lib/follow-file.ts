import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FollowOptions {
  /** Where to start reading. */
  position?: number;
  /** Whether the writer has finished (exited); checked before each read. */
  writerDone: () => boolean;
  /** Gets each new piece; the buffer is reused, so consume it before returning. */
  onData: (chunk: Buffer) => void;
  /** How long to wait at the end of the file before looking again. */
  pollMs: number;
  bufferBytes?: number;
}

/**
 * Reads a file that another process is still writing, like `tail -f`, until
 * the writer is done and everything it wrote has been read. Reading a file
 * costs the writer nothing, where a pipe to node would wake node (and make
 * the writer wait for it) at every write. Resolves with the end position.
 */
export async function followFile(
  fh: FileHandle,
  opts: FollowOptions,
): Promise<number> {
  const buf = Buffer.allocUnsafe(opts.bufferBytes ?? 4 * 1024 * 1024);
  let position = opts.position ?? 0;
  for (;;) {
    const doneBefore = opts.writerDone();
    const { bytesRead } = await fh.read(buf, 0, buf.length, position);
    if (bytesRead > 0) {
      position += bytesRead;
      opts.onData(buf.subarray(0, bytesRead));
      continue;
    }
    // Only stop at an end of file seen after the writer had already finished.
    if (doneBefore) return position;
    await sleep(opts.pollMs);
  }
}
