import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DualHasher } from './checksum';
import {
  decompressorCommand,
  detectFileCompression,
  type Compression,
} from './compression';
import { ArchiveError, PackError } from './errors';
import { ArchivePathGuard } from './path-guard';
import {
  abortPromise,
  Child,
  commandExists,
  type ExitStatus,
} from './processes';
import { parseListingLine, unsafeArchiveWarning } from './tar-listing';

export type ImageFormat = 'zstd' | 'gzip';

export const IMAGE_EXTENSIONS: Record<ImageFormat, string> = {
  zstd: '.tar.zst',
  gzip: '.tar.gz',
};

/** Flags that make GNU tar keep what an OS image needs: owners, modes incl. set[ug]id, xattrs (file capabilities), ACLs. */
const TAR_KEEP = [
  '--numeric-owner',
  '--xattrs',
  '--xattrs-include=*',
  '--acls',
  '-p',
];

export interface UnpackOptions {
  signal?: AbortSignal;
  /** Content bytes of the members tar has extracted (and the guard has passed) so far. */
  onProgress?: (bytes: number) => void;
}

export interface UnpackResult {
  compression: Compression;
  entries: number;
  bytes: number;
}

export interface PackOptions {
  format: ImageFormat;
  /** zstd 1-19 (default 3) or gzip 1-9 (default 6). */
  level?: number;
  signal?: AbortSignal;
  /** Compressed bytes produced so far. */
  onProgress?: (bytes: number) => void;
}

export interface PackResult {
  size: number;
  md5: string;
  sha256: string;
}

export interface PackStream {
  /** The compressed image; errors instead of ending if tar or the compressor fail. */
  stream: Readable;
  /** Settles when both processes have exited. */
  done: Promise<void>;
  /** Kills both processes. */
  kill(): void;
}

/** Calls `onLine` for every line of a child's output, the last one too when it lacks a newline. */
function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('latin1'); // tar's C-quoted listing is ASCII; latin1 never mangles a byte
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/**
 * Unpacks and packs root filesystems with GNU tar and the compressors as child
 * processes (the only tools that round-trip an OS rootfs faithfully).
 */
export class ArchiveTool {
  constructor(
    private readonly has: (cmd: string) => boolean = (c) => commandExists(c),
  ) {}

  /**
   * Extracts `archive` into `dest`, which should be empty. The compression is
   * detected from the content; the archive streams from the decompressor
   * straight into GNU tar, with nothing passing through node.
   *
   * Two layers keep the archive inside `dest`. GNU tar itself never writes
   * outside: it strips a leading "/" and "../", skips members with ".."
   * inside, and creates symlinks that point outside or upwards only as
   * placeholder files until everything else is extracted, so nothing is ever
   * written through them. On top of that the archive is *refused*: tar lists
   * every member as it extracts it (`-vv`), each listed member goes through
   * ArchivePathGuard, and tar's notices about names it had to rewrite count
   * too; on the first unsafe member tar is killed and the unpack fails with
   * UnsafeArchiveError (the caller discards `dest`).
   */
  async unpack(
    archive: string,
    dest: string,
    opts: UnpackOptions = {},
  ): Promise<UnpackResult> {
    opts.signal?.throwIfAborted();
    const compression = await detectFileCompression(archive);
    const decArgs = decompressorCommand(compression, this.has);
    // The archive is the first process's stdin: no file name reaches an argv.
    const input = await open(archive, 'r');
    let dec: Child | undefined;
    let tar: Child;
    try {
      if (decArgs) dec = new Child(decArgs, [input.fd, 'pipe', 'pipe']);
      const decOut = dec?.proc.stdout as Readable | undefined;
      tar = new Child(
        [
          'tar',
          '-x',
          '-vv',
          '--quoting-style=c',
          ...TAR_KEEP,
          '-f',
          '-',
          '-C',
          dest,
        ],
        [decOut ?? input.fd, 'pipe', 'pipe'],
        { env: { ...process.env, LC_ALL: 'C' } },
      );
      decOut?.destroy(); // tar owns the pipe now
    } finally {
      await input.close();
    }

    const children = dec ? [dec, tar] : [tar];
    const killAll = () => children.forEach((c) => c.kill());
    let refusal: Error | undefined;
    const refuse = (err: unknown) => {
      refusal ??= err instanceof Error ? err : new Error(String(err));
      killAll();
    };
    const guard = new ArchivePathGuard();
    let entries = 0;
    let bytes = 0;
    forEachLine(tar.proc.stdout as Readable, (line) => {
      if (refusal) return;
      try {
        const entry = parseListingLine(line);
        if (!entry) return;
        guard.check(entry);
        entries++;
        bytes += entry.size;
        opts.onProgress?.(bytes);
      } catch (err) {
        refuse(err);
      }
    });
    let unsafeNotice: Error | undefined;
    forEachLine(tar.proc.stderr as Readable, (line) => {
      const unsafe = unsafeArchiveWarning(line);
      if (unsafe?.final) refuse(unsafe.error);
      else if (unsafe) unsafeNotice ??= unsafe.error;
    });
    // Whichever process failed first is the one to blame: a corrupt archive makes
    // the decompressor fail and tar see a short input; a failing tar makes the
    // decompressor hit a closed pipe.
    let firstFailed: Child | undefined;
    for (const c of children)
      void c.exited.then((st) => {
        if (st.code !== 0) firstFailed ??= c;
      });
    opts.signal?.addEventListener('abort', killAll, { once: true });
    try {
      const [tarSt, decSt] = await Promise.all([tar.exited, dec?.exited]);
      opts.signal?.throwIfAborted();
      if (refusal ?? unsafeNotice) throw refusal ?? unsafeNotice;
      if (dec && decSt && decSt.code !== 0 && firstFailed !== tar)
        throw new ArchiveError(
          `cannot decompress ${archive}: ${dec.describe(decSt)}`,
        );
      if (tarSt.code !== 0)
        throw new ArchiveError(
          `extracting ${archive} failed: ${tar.describe(tarSt)}`,
        );
      return { compression, entries, bytes };
    } finally {
      opts.signal?.removeEventListener('abort', killAll);
    }
  }

  private compressorArgs(format: ImageFormat, level?: number): string[] {
    if (format === 'zstd') return ['zstd', `-${level ?? 3}`, '-T0', '-q', '-c'];
    const gz = this.has('pigz') ? 'pigz' : 'gzip';
    return [gz, `-${level ?? 6}`, '-c'];
  }

  private startPack(
    rootfs: string,
    format: ImageFormat,
    level: number | undefined,
    out: number | 'pipe',
  ) {
    // --one-file-system: never pack something mounted beneath the rootfs.
    const tar = new Child(
      [
        'tar',
        '-c',
        ...TAR_KEEP,
        '--one-file-system',
        '-f',
        '-',
        '-C',
        rootfs,
        '.',
      ],
      ['ignore', 'pipe', 'pipe'],
    );
    const tarOut = tar.proc.stdout as Readable;
    // tar's stdout becomes the compressor's stdin directly (no copy through node).
    const comp = new Child(this.compressorArgs(format, level), [
      tarOut,
      out,
      'pipe',
    ]);
    tarOut.destroy();
    const check = async (): Promise<void> => {
      const [t, c]: ExitStatus[] = await Promise.all([tar.exited, comp.exited]);
      if (t.code !== 0)
        throw new PackError(`packing ${rootfs} failed: ${tar.describe(t)}`);
      if (c.code !== 0)
        throw new PackError(
          `compressing ${rootfs} failed: ${comp.describe(c)}`,
        );
    };
    return { tar, comp, done: check() };
  }

  /**
   * Packs `rootfs` into `dest` (created, must not exist). The compressor writes
   * the file itself; node re-reads what it wrote, following the growing file,
   * to compute size, md5 and sha256 from the page cache without slowing it.
   */
  async packToFile(
    rootfs: string,
    dest: string,
    opts: PackOptions,
  ): Promise<PackResult> {
    opts.signal?.throwIfAborted();
    const out = await open(dest, 'wx', 0o644);
    let reader: FileHandle | undefined;
    const { tar, comp, done } = this.startPack(
      rootfs,
      opts.format,
      opts.level,
      out.fd,
    );
    done.catch(() => undefined);
    let finished = false;
    const settled = done.finally(() => {
      finished = true;
    });
    settled.catch(() => undefined);
    try {
      reader = await open(dest, 'r');
      const hasher = await Promise.race([
        this.followAndHash(reader, () => finished, opts.onProgress),
        abortPromise(opts.signal),
      ]);
      await done;
      // The compressor has exited: read what was written after the last poll.
      await this.followAndHash(reader, () => true, opts.onProgress, hasher);
      return hasher.digest();
    } catch (err) {
      tar.kill();
      comp.kill();
      await Promise.all([tar.exited, comp.exited]);
      throw err;
    } finally {
      await reader?.close();
      await out.close();
    }
  }

  private async followAndHash(
    fh: FileHandle,
    producerDone: () => boolean,
    onProgress: ((n: number) => void) | undefined,
    hasher = new DualHasher(),
  ): Promise<DualHasher> {
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (;;) {
      const doneBefore = producerDone();
      const { bytesRead } = await fh.read(buf, 0, buf.length, hasher.size);
      if (bytesRead > 0) {
        hasher.update(buf.subarray(0, bytesRead));
        onProgress?.(hasher.size);
        continue;
      }
      // Only stop at EOF observed after the producer had already exited.
      if (doneBefore) return hasher;
      await sleep(5);
    }
  }

  /** Packs `rootfs` into a stream (for uploads); see PackStream. */
  packToStream(rootfs: string, opts: PackOptions): PackStream {
    const { tar, comp, done } = this.startPack(
      rootfs,
      opts.format,
      opts.level,
      'pipe',
    );
    done.catch(() => undefined);
    // Hold back the end of the stream until both processes succeeded: a tar that
    // dies makes the compressor end a perfectly valid, truncated image.
    const gated = new Transform({
      transform(chunk, _enc, cb) {
        cb(null, chunk);
      },
      flush(cb) {
        done.then(
          () => cb(),
          (err: Error) => cb(err),
        );
      },
    });
    const compOut = comp.proc.stdout as Readable;
    compOut.on('error', (err) => gated.destroy(err));
    compOut.pipe(gated);
    done.catch((err: Error) => gated.destroy(err));
    const kill = () => {
      tar.kill();
      comp.kill();
    };
    opts.signal?.addEventListener('abort', kill, { once: true });
    return { stream: gated, done, kill };
  }
}
