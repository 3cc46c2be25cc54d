import { execFile } from 'node:child_process';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { LineSplitter } from '@velociraptor/lxc';
import { DualHasher } from './checksum';
import {
  decompressorCommand,
  detectFileCompression,
  type Compression,
} from './compression';
import { ArchiveError, PackError } from './errors';
import { followFile } from './follow-file';
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

/** Calls `onLine` for every line of a child's output. */
function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  const lines = new LineSplitter();
  stream.setEncoding('latin1'); // tar's messages quote names in C style: ASCII
  stream.on('data', (chunk: string) => lines.push(chunk).forEach(onLine));
  stream.on('end', () => lines.flush().forEach(onLine));
}

/** Whether a writer died of, or gave up on, a reader that had gone away. */
function brokePipe(child: Child, st: ExitStatus): boolean {
  return st.signal === 'SIGPIPE' || /broken pipe/i.test(child.stderrLine());
}

/**
 * Unpacks and packs root filesystems with GNU tar and the compressors as child
 * processes (the only tools that round-trip an OS rootfs faithfully).
 */
export class ArchiveTool {
  private tarChecked?: Promise<void>;

  constructor(
    private readonly has: (cmd: string) => boolean = (c) => commandExists(c),
  ) {}

  /**
   * unpack() leans on GNU tar's own containment (see there), which reached its
   * current form in 1.30 (CVE-2016-6321 was fixed in 1.29): refuse anything older
   * or anything else answering to "tar". Checked once per process.
   */
  private checkTar(): Promise<void> {
    this.tarChecked ??= new Promise<void>((resolve, reject) => {
      // env given explicitly so PATH is read where the caller (or a test) set it.
      execFile('tar', ['--version'], { env: process.env }, (err, stdout) => {
        const first = String(stdout).split('\n')[0] ?? '';
        const v = /^tar \(GNU tar\) (\d+)\.(\d+)/.exec(first);
        if (!err && v && Number(v[1]) * 1000 + Number(v[2]) >= 1030)
          return resolve();
        reject(
          new ArchiveError(
            `GNU tar 1.30 or newer is needed to unpack images safely; \`tar --version\` says: ${err ? err.message : first || '(nothing)'}`,
          ),
        );
      });
    });
    return this.tarChecked;
  }

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
   * every member as it extracts it (`-vv`) into a file node follows, each
   * listed member goes through ArchivePathGuard, and tar's notices about names
   * it had to rewrite count too; on the first unsafe member tar is killed and
   * the unpack fails with UnsafeArchiveError (the caller discards `dest`).
   */
  async unpack(
    archive: string,
    dest: string,
    opts: UnpackOptions = {},
  ): Promise<UnpackResult> {
    opts.signal?.throwIfAborted();
    await this.checkTar();
    const compression = await detectFileCompression(archive);
    const decArgs = decompressorCommand(compression, this.has);
    // The listing goes to a file, not a pipe: a pipe would wake node for each of
    // the thousands of lines and cost tar ~15 %. Unlinked at once: never left behind.
    const listingPath = join(
      dirname(dest),
      `.${basename(dest)}.tar-listing-${process.pid}-${Date.now()}`,
    );
    const listing = await open(listingPath, 'wx+', 0o600);
    await rm(listingPath, { force: true });
    let input: FileHandle;
    try {
      input = await open(archive, 'r');
    } catch (err) {
      await listing.close();
      throw err;
    }

    // From here to the first await: spawn both and listen before any output can be missed.
    let refusal: Error | undefined;
    let unsafeNotice: Error | undefined;
    const children: Child[] = [];
    const killAll = () => children.forEach((c) => c.kill());
    const refuse = (err: unknown) => {
      refusal ??= err instanceof Error ? err : new Error(String(err));
      killAll();
    };
    // The archive is the first process's stdin: no file name reaches an argv.
    const dec = decArgs
      ? new Child(decArgs, [input.fd, 'pipe', 'pipe'])
      : undefined;
    const decOut = dec?.proc.stdout as Readable | undefined;
    const tar = new Child(
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
      [decOut ?? input.fd, listing.fd, 'pipe'],
      // C: messages and quoting to parse; UTC: no /etc/localtime stat per listed member.
      { env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } },
    );
    decOut?.destroy(); // tar owns the pipe now
    if (dec) children.push(dec);
    children.push(tar);
    forEachLine(tar.proc.stderr as Readable, (line) => {
      const unsafe = unsafeArchiveWarning(line);
      if (unsafe?.final) refuse(unsafe.error);
      else if (unsafe) unsafeNotice ??= unsafe.error;
    });
    let tarDone = false;
    void tar.exited.then(() => (tarDone = true));
    opts.signal?.addEventListener('abort', killAll, { once: true });

    const guard = new ArchivePathGuard();
    let entries = 0;
    let bytes = 0;
    const vet = (line: string) => {
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
    };
    const lines = new LineSplitter();
    try {
      await input.close();
      await followFile(listing, {
        writerDone: () => tarDone,
        pollMs: 10,
        bufferBytes: 256 * 1024,
        onData: (chunk) => lines.push(chunk.toString('latin1')).forEach(vet),
      });
      lines.flush().forEach(vet);
      const [tarSt, decSt] = await Promise.all([tar.exited, dec?.exited]);
      opts.signal?.throwIfAborted();
      if (refusal ?? unsafeNotice) throw refusal ?? unsafeNotice;
      // A corrupt archive makes the decompressor fail (and tar see a short input);
      // a failing tar only makes the decompressor hit a closed pipe.
      if (dec && decSt && decSt.code !== 0 && !brokePipe(dec, decSt))
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
      killAll(); // only does something when reading the listing failed
      await Promise.all(children.map((c) => c.exited));
      await listing.close();
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
    writerDone: () => boolean,
    onProgress: ((n: number) => void) | undefined,
    hasher = new DualHasher(),
  ): Promise<DualHasher> {
    await followFile(fh, {
      position: hasher.size,
      writerDone,
      pollMs: 5,
      onData: (chunk) => {
        hasher.update(chunk);
        onProgress?.(hasher.size);
      },
    });
    return hasher;
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
