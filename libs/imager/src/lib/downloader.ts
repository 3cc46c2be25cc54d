import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  mkdir,
  open,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { DualHasher, formatChecksum, type Checksum } from './checksum';
import { ChecksumMismatchError, DownloadError } from './errors';

export interface FetchOptions {
  /** Verified before the file is used; a mismatch throws ChecksumMismatchError. */
  checksum?: Checksum;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total?: number) => void;
}

export interface FetchedFile {
  path: string;
  /** local: used in place; cache: cached copy trusted (checksum or 304); download: fetched now. */
  origin: 'local' | 'cache' | 'download';
  size: number;
}

interface CacheMeta {
  url: string;
  size: number;
  mtimeMs: number;
  md5: string;
  sha256: string;
  etag?: string;
  lastModified?: string;
}

export type FetchFn = typeof fetch;

export function isHttpUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** Resolves a "_url" value that is not http(s): file:// URL or a path relative to `baseDir`. */
export function localPath(s: string, baseDir = '.'): string {
  return s.startsWith('file://') ? fileURLToPath(s) : resolve(baseDir, s);
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code)
    return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Fetches base images and scripts. http(s) downloads land in a cache keyed by
 * URL and expected checksum, are written under a temporary name and renamed
 * into place only when complete and verified; without a checksum a cached copy
 * is revalidated with ETag / Last-Modified. Local files are used in place.
 */
export class Downloader {
  constructor(
    readonly cacheDir: string,
    private readonly fetchFn: FetchFn = (...a) => fetch(...a),
  ) {}

  async fetchFile(
    source: string,
    opts: FetchOptions = {},
  ): Promise<FetchedFile> {
    if (!isHttpUrl(source)) return this.useLocal(localPath(source), opts);
    return this.download(source, opts);
  }

  /** Small files (scripts): returns the content. */
  async fetchBuffer(
    source: string,
    opts: { signal?: AbortSignal; maxBytes?: number } = {},
  ): Promise<Buffer> {
    const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    if (!isHttpUrl(source)) {
      const path = localPath(source);
      try {
        const st = await stat(path);
        if (!st.isFile()) throw new DownloadError(path, 'not a regular file');
        if (st.size > maxBytes)
          throw new DownloadError(path, `larger than ${maxBytes} bytes`);
        return await readFile(path);
      } catch (err) {
        if (err instanceof DownloadError) throw err;
        throw new DownloadError(
          path,
          (err as NodeJS.ErrnoException).code ?? String(err),
          { cause: err },
        );
      }
    }
    const res = await this.request(source, {}, opts.signal);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > maxBytes)
      throw new DownloadError(source, `larger than ${maxBytes} bytes`);
    return body;
  }

  private async useLocal(
    path: string,
    opts: FetchOptions,
  ): Promise<FetchedFile> {
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new DownloadError(path, 'not a regular file');
      size = st.size;
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      throw new DownloadError(
        path,
        (err as NodeJS.ErrnoException).code ?? String(err),
        { cause: err },
      );
    }
    if (opts.checksum) {
      const hasher = new DualHasher();
      for await (const chunk of createReadStream(path, {
        highWaterMark: 4 * 1024 * 1024,
        signal: opts.signal,
      })) {
        hasher.update(chunk as Buffer);
        opts.onProgress?.(hasher.size, size);
      }
      this.verify(path, opts.checksum, hasher.digest());
    }
    return { path, origin: 'local', size };
  }

  private verify(
    source: string,
    expected: Checksum,
    actual: { md5: string; sha256: string },
  ): void {
    const got = actual[expected.algorithm];
    if (got !== expected.hex) {
      throw new ChecksumMismatchError(
        source,
        formatChecksum(expected),
        `${expected.algorithm}:${got}`,
      );
    }
  }

  private async request(
    url: string,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Response> {
    let res: Response;
    try {
      res = await this.fetchFn(url, { headers, signal, redirect: 'follow' });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new DownloadError(url, describeFetchError(err), { cause: err });
    }
    if (res.status !== 304 && !res.ok) {
      await res.body?.cancel();
      throw new DownloadError(
        url,
        `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      );
    }
    return res;
  }

  private async readMeta(file: string): Promise<CacheMeta | undefined> {
    try {
      const meta = JSON.parse(
        await readFile(`${file}.json`, 'utf8'),
      ) as CacheMeta;
      const st = await stat(file);
      // A cached file that changed since we wrote it is not trusted.
      return st.size === meta.size &&
        Math.trunc(st.mtimeMs) === Math.trunc(meta.mtimeMs)
        ? meta
        : undefined;
    } catch {
      return undefined;
    }
  }

  private async download(
    url: string,
    opts: FetchOptions,
  ): Promise<FetchedFile> {
    await mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
    const key = createHash('sha256')
      .update(`${url}\n${opts.checksum ? formatChecksum(opts.checksum) : ''}`)
      .digest('hex')
      .slice(0, 40);
    const file = join(this.cacheDir, key);
    const meta = await this.readMeta(file);
    if (
      meta &&
      opts.checksum &&
      meta[opts.checksum.algorithm] === opts.checksum.hex
    ) {
      return { path: file, origin: 'cache', size: meta.size };
    }
    const headers: Record<string, string> = {};
    if (meta && !opts.checksum) {
      if (meta.etag) headers['If-None-Match'] = meta.etag;
      if (meta.lastModified) headers['If-Modified-Since'] = meta.lastModified;
    }
    const res = await this.request(url, headers, opts.signal);
    if (res.status === 304 && meta) {
      return { path: file, origin: 'cache', size: meta.size };
    }
    const total = Number(res.headers.get('content-length')) || undefined;
    const tmp = `${file}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
    const out = await open(tmp, 'wx', 0o600);
    const hasher = new DualHasher();
    try {
      if (!res.body) throw new DownloadError(url, 'empty response body');
      const body = Readable.fromWeb(
        res.body as unknown as WebReadableStream<Uint8Array>,
      );
      try {
        for await (const chunk of body) {
          const b = chunk as Buffer;
          hasher.update(b);
          await out.write(b);
          opts.onProgress?.(hasher.size, total);
        }
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        throw new DownloadError(
          url,
          `transfer interrupted: ${describeFetchError(err)}`,
          { cause: err },
        );
      }
      if (total !== undefined && hasher.size !== total) {
        throw new DownloadError(
          url,
          `transfer incomplete: got ${hasher.size} of ${total} bytes`,
        );
      }
      const digest = hasher.digest();
      if (opts.checksum) this.verify(url, opts.checksum, digest);
      await out.close();
      await rename(tmp, file);
      const st = await stat(file);
      const newMeta: CacheMeta = {
        url,
        size: st.size,
        mtimeMs: st.mtimeMs,
        md5: digest.md5,
        sha256: digest.sha256,
        etag: res.headers.get('etag') ?? undefined,
        lastModified: res.headers.get('last-modified') ?? undefined,
      };
      const metaTmp = `${tmp}.json`;
      await writeFile(metaTmp, JSON.stringify(newMeta));
      await rename(metaTmp, `${file}.json`);
      return { path: file, origin: 'download', size: st.size };
    } catch (err) {
      await out.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}
