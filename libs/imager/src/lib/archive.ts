import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DualHasher } from './checksum';
import {
  decompressorCommand,
  detectFileCompression,
  type Compression,
} from './compression';
import { ArchiveError, ImagerError, oneLine, PackError } from './errors';
import { ArchivePathGuard } from './path-guard';
import {
  abortPromise,
  Child,
  commandExists,
  type ExitStatus,
} from './processes';
import { TarStreamParser } from './tar-stream';

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
  /** Uncompressed bytes checked and handed to tar so far. */
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

/**
 * A pipe's writable high-water mark is 16 KiB, smaller than one read from the decompressor, so
 * waiting for 'drain' after every refused write would stall the reader on each chunk. Keep up
 * to this much queued for tar instead: bounded memory, and both sides stay busy.
 */
const WRITE_AHEAD_BYTES = 8 * 1024 * 1024;

function write(stream: Writable, chunk: Buffer): Promise<void> {
  if (stream.write(chunk) || stream.writableLength < WRITE_AHEAD_BYTES)
    return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onDrain = () => (cleanup(), resolve());
    const onError = (err: Error) => (cleanup(), reject(err));
    const onClose = () => (
      cleanup(),
      reject(new Error('tar closed its input early'))
    );
    stream.once('drain', onDrain);
    stream.once('error', onError);
    stream.once('close', onClose);
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
   * Extracts `archive` into `dest`. The compression is detected from the
   * content. The decompressed stream passes through node on its way to
   * `tar -x`, so every member header is vetted by ArchivePathGuard before tar
   * sees it: an unsafe member kills tar before it can be extracted.
   */
  async unpack(
    archive: string,
    dest: string,
    opts: UnpackOptions = {},
  ): Promise<UnpackResult> {
    opts.signal?.throwIfAborted();
    const compression = await detectFileCompression(archive);
    const decArgs = decompressorCommand(compression, this.has);
    const children: Child[] = [];
    let source: Readable;
    let dec: Child | undefined;
    if (decArgs) {
      // The archive is the decompressor's stdin: no file name reaches its argv.
      const input = await open(archive, 'r');
      try {
        dec = new Child(decArgs, [input.fd, 'pipe', 'pipe']);
      } finally {
        await input.close();
      }
      children.push(dec);
      source = dec.proc.stdout as Readable;
    } else {
      source = createReadStream(archive, { highWaterMark: 1024 * 1024 });
    }
    const tar = new Child(
      ['tar', '-x', ...TAR_KEEP, '-f', '-', '-C', dest],
      ['pipe', 'ignore', 'pipe'],
    );
    children.push(tar);
    const stdin = tar.proc.stdin as Writable;
    stdin.on('error', () => undefined); // reported through tar's exit status
    const guard = new ArchivePathGuard();
    const parser = new TarStreamParser((e) => guard.check(e));

    const gate = async () => {
      for await (const chunk of source) {
        parser.write(chunk as Buffer); // throws on an unsafe member: the chunk is never forwarded
        await write(stdin, chunk as Buffer);
        opts.onProgress?.(parser.bytes);
      }
      if (dec) {
        // A corrupt archive shows up as a failing decompressor, not as "truncated".
        const st = await dec.exited;
        if (st.code !== 0)
          throw new ArchiveError(
            `cannot decompress ${archive}: ${dec.describe(st)}`,
          );
      }
      parser.end();
      stdin.end();
    };
    try {
      const gating = gate();
      gating.catch(() => undefined); // when the abort wins the race
      await Promise.race([gating, abortPromise(opts.signal)]);
      const tarSt = await Promise.race([tar.exited, abortPromise(opts.signal)]);
      if (tarSt.code !== 0)
        throw new ArchiveError(
          `extracting ${archive} failed: ${tar.describe(tarSt)}`,
        );
      return { compression, entries: parser.entries, bytes: parser.bytes };
    } catch (err) {
      for (const c of children) c.kill();
      source.destroy();
      await Promise.all(children.map((c) => c.exited));
      if (err instanceof ImagerError || opts.signal?.aborted) throw err;
      // Typically EPIPE from writing to a tar that died: report tar's own reason.
      const st = await tar.exited;
      throw new ArchiveError(
        `extracting ${archive} failed: ${st.code !== 0 ? tar.describe(st) : oneLine(err)}`,
        { cause: err },
      );
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
