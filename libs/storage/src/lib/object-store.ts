import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import {
  endpointToMinio,
  parseObjectStoreConfig,
  type ObjectStoreConfig,
  type ObjectStoreConfigInput,
} from './config';
import {
  describeError,
  ObjectNotFoundError,
  StorageError,
  UploadAbortedError,
  UploadError,
} from './errors';

/** The part of the minio client we use; unit tests hand in a fake. */
export type S3Client = Pick<
  Client,
  | 'bucketExists'
  | 'makeBucket'
  | 'putObject'
  | 'initiateNewMultipartUpload'
  | 'uploadPart'
  | 'completeMultipartUpload'
  | 'abortMultipartUpload'
  | 'listIncompleteUploads'
  | 'getObject'
  | 'getPartialObject'
  | 'statObject'
  | 'removeObject'
  | 'presignedGetObject'
  | 'listObjectsV2'
>;

export interface PutStreamOptions {
  contentType?: string;
  /** Stored as x-amz-meta-* headers. */
  metadata?: Record<string, string>;
  signal?: AbortSignal;
  /** Whole-upload limit; the upload is aborted on the server when it fires. */
  timeoutMs?: number;
  /** Called with the number of bytes read from the source so far. */
  onProgress?: (bytes: number) => void;
}

export interface PutResult {
  bucket: string;
  key: string;
  size: number;
  md5: string;
  sha256: string;
  /** As returned by the server; radosgw returns '' for multipart uploads. */
  etag: string;
  parts: number;
}

export interface ObjectStat {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface HealthStatus {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** How long to wait for server-side cleanup of a failed upload. */
const CLEANUP_TIMEOUT_MS = 15_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StorageError(`${what} timed out after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'NotFound' || code === 'NoSuchKey';
}

/**
 * S3 object store over minio-js. Uploads are our own multipart loop rather
 * than minio's putObject: minio-js 8.0.7 never settles putObject when the
 * source stream errors (leaving the multipart upload behind) and it "resumes"
 * whatever incomplete upload exists for the same key. Owning the loop gives us
 * the uploadId to abort, real error propagation, and md5/sha256 computed on the
 * bytes we sent (radosgw returns an empty ETag for multipart uploads).
 */
export class ObjectStore {
  readonly config: ObjectStoreConfig;
  private readonly client: S3Client;

  constructor(config: ObjectStoreConfigInput, client?: S3Client) {
    this.config = parseObjectStoreConfig(config);
    this.client =
      client ??
      new Client({
        ...endpointToMinio(this.config.endpoint),
        accessKey: this.config.accessKey,
        secretKey: this.config.secretKey,
        region: this.config.region,
        partSize: this.config.partSizeBytes,
        pathStyle: true,
      });
  }

  get bucket(): string {
    return this.config.bucket;
  }

  async ensureBucket(): Promise<void> {
    try {
      if (await this.client.bucketExists(this.bucket)) return;
      await this.client.makeBucket(this.bucket, this.config.region);
    } catch (err) {
      // Two processes racing to create the bucket both succeed.
      const code = (err as { code?: unknown }).code;
      if (code === 'BucketAlreadyOwnedByYou') return;
      throw new StorageError(
        `cannot ensure bucket ${this.bucket} at ${this.config.endpoint}: ${describeError(err)}`,
        { cause: err },
      );
    }
  }

  async putStream(
    key: string,
    source: Readable,
    opts: PutStreamOptions = {},
  ): Promise<PutResult> {
    const { bucket, client } = this;
    const partSize = this.config.partSizeBytes;
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    let size = 0;
    let stopped = false;
    let initiating: Promise<string> | undefined;
    let inflight: Promise<void> | undefined;
    let partNo = 0;
    const parts: { part: number; etag: string }[] = [];
    const headers: Record<string, string> = {
      'Content-Type': opts.contentType ?? 'application/octet-stream',
    };
    for (const [k, v] of Object.entries(opts.metadata ?? {})) {
      headers[`x-amz-meta-${k.toLowerCase()}`] = v;
    }

    let rejectAbort: (err: Error) => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      rejectAbort = reject;
    });
    aborted.catch(() => undefined);
    const abortWith = (reason: 'cancelled' | 'timed out') => {
      const err = new UploadAbortedError(key, reason);
      rejectAbort(err);
      // Unblocks a pending read of the source.
      source.destroy(err);
    };
    const onSignal = () => abortWith('cancelled');
    if (opts.signal?.aborted) onSignal();
    opts.signal?.addEventListener('abort', onSignal, { once: true });
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => abortWith('timed out'), opts.timeoutMs)
        : undefined;

    const uploadPart = async (payload: Buffer): Promise<void> => {
      initiating ??= client.initiateNewMultipartUpload(bucket, key, headers);
      const uploadID = await initiating;
      // One part in flight while the next one is being read from the source.
      if (inflight) await inflight;
      if (stopped) throw new UploadError(key, 'stopped');
      const partNumber = ++partNo;
      const partMd5 = createHash('md5').update(payload).digest('base64');
      const p = client
        .uploadPart(
          {
            bucketName: bucket,
            objectName: key,
            uploadID,
            partNumber,
            headers: { 'Content-MD5': partMd5 },
          },
          payload,
        )
        .then((r) => {
          parts.push({ part: partNumber, etag: r.etag });
        });
      p.catch(() => undefined); // awaited later; avoid an unhandled rejection
      inflight = p;
    };

    const work = async (): Promise<PutResult> => {
      let pending: Buffer[] = [];
      let pendingLen = 0;
      for await (const chunk of source) {
        const b: Buffer = Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk as string);
        md5.update(b);
        sha256.update(b);
        size += b.length;
        pending.push(b);
        pendingLen += b.length;
        opts.onProgress?.(size);
        while (pendingLen >= partSize) {
          const all = Buffer.concat(pending, pendingLen);
          const rest = Buffer.from(all.subarray(partSize));
          await uploadPart(all.subarray(0, partSize));
          pending = rest.length ? [rest] : [];
          pendingLen = rest.length;
        }
      }
      const tail = Buffer.concat(pending, pendingLen);
      let etag: string;
      if (!initiating) {
        // Smaller than one part: a single PUT (which also yields a real ETag).
        const r = await client.putObject(
          bucket,
          key,
          tail,
          tail.length,
          headers,
        );
        etag = r.etag;
      } else {
        if (tail.length > 0) await uploadPart(tail);
        await inflight;
        if (stopped) throw new UploadError(key, 'stopped');
        parts.sort((a, b) => a.part - b.part);
        const r = await client.completeMultipartUpload(
          bucket,
          key,
          await initiating,
          parts,
        );
        etag = r.etag;
      }
      return {
        bucket,
        key,
        size,
        md5: md5.digest('hex'),
        sha256: sha256.digest('hex'),
        etag: etag ?? '',
        parts: Math.max(partNo, 1),
      };
    };

    const working = work();
    // When the abort wins the race, the loop still settles later on its own.
    working.catch(() => undefined);
    try {
      return await Promise.race([working, aborted]);
    } catch (err) {
      stopped = true;
      if (!source.destroyed) source.destroy();
      await this.abortUpload(key, initiating);
      if (err instanceof UploadError) throw err;
      throw new UploadError(key, describeError(err), { cause: err });
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onSignal);
    }
  }

  private async abortUpload(
    key: string,
    initiating: Promise<string> | undefined,
  ): Promise<void> {
    if (!initiating) return;
    try {
      const uploadId = await withTimeout(
        initiating,
        CLEANUP_TIMEOUT_MS,
        'initiating multipart upload',
      );
      await withTimeout(
        this.client.abortMultipartUpload(this.bucket, key, uploadId),
        CLEANUP_TIMEOUT_MS,
        'aborting multipart upload',
      );
    } catch {
      // Best effort: the upload failed already and that is the error to report.
      // A server-side lifecycle rule or abortIncompleteUploads() reaps leftovers.
    }
  }

  /** Aborts every incomplete multipart upload under a prefix; returns their keys. */
  async abortIncompleteUploads(prefix = ''): Promise<string[]> {
    const uploads = await this.collect<{ key: string; uploadId: string }>(
      this.client.listIncompleteUploads(this.bucket, prefix, true),
    );
    for (const u of uploads) {
      await this.client.abortMultipartUpload(this.bucket, u.key, u.uploadId);
    }
    return uploads.map((u) => u.key);
  }

  async listIncompleteUploads(prefix = ''): Promise<string[]> {
    const uploads = await this.collect<{ key: string }>(
      this.client.listIncompleteUploads(this.bucket, prefix, true),
    );
    return uploads.map((u) => u.key);
  }

  async getStream(
    key: string,
    range?: { offset: number; length?: number },
  ): Promise<Readable> {
    try {
      return range
        ? await this.client.getPartialObject(
            this.bucket,
            key,
            range.offset,
            range.length,
          )
        : await this.client.getObject(this.bucket, key);
    } catch (err) {
      throw this.mapError(err, key, 'get');
    }
  }

  async stat(key: string): Promise<ObjectStat> {
    try {
      const s = await this.client.statObject(this.bucket, key);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.metaData ?? {})) {
        metadata[k] = String(v);
      }
      return {
        key,
        size: s.size,
        etag: s.etag,
        lastModified: s.lastModified,
        metadata,
      };
    } catch (err) {
      throw this.mapError(err, key, 'stat');
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.stat(key);
      return true;
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return false;
      throw err;
    }
  }

  /** Removing a missing object is not an error (S3 semantics). */
  async remove(key: string): Promise<void> {
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (err) {
      throw this.mapError(err, key, 'remove');
    }
  }

  async presignedGet(key: string, expirySeconds = 3600): Promise<string> {
    return this.client.presignedGetObject(this.bucket, key, expirySeconds);
  }

  async list(prefix = ''): Promise<ObjectSummary[]> {
    const items = await this.collect<{
      name?: string;
      size: number;
      etag?: string;
      lastModified?: Date;
    }>(this.client.listObjectsV2(this.bucket, prefix, true));
    return items
      .filter((i): i is typeof i & { name: string } => Boolean(i.name))
      .map((i) => ({
        key: i.name,
        size: i.size,
        etag: i.etag ?? '',
        lastModified: i.lastModified ?? new Date(0),
      }));
  }

  async health(timeoutMs = 5000): Promise<HealthStatus> {
    const start = Date.now();
    try {
      const exists = await withTimeout(
        this.client.bucketExists(this.bucket),
        timeoutMs,
        'health check',
      );
      return exists
        ? { ok: true, latencyMs: Date.now() - start }
        : {
            ok: false,
            latencyMs: Date.now() - start,
            error: `bucket ${this.bucket} does not exist`,
          };
    } catch (err) {
      return {
        ok: false,
        latencyMs: Date.now() - start,
        error: describeError(err),
      };
    }
  }

  private collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const out: T[] = [];
      stream.on('data', (d: T) => out.push(d));
      stream.on('error', (err: unknown) =>
        reject(
          new StorageError(
            `listing s3://${this.bucket} failed: ${describeError(err)}`,
            {
              cause: err,
            },
          ),
        ),
      );
      stream.on('end', () => resolve(out));
    });
  }

  private mapError(err: unknown, key: string, op: string): Error {
    if (isNotFound(err)) return new ObjectNotFoundError(this.bucket, key);
    return new StorageError(
      `${op} s3://${this.bucket}/${key} failed: ${describeError(err)}`,
      { cause: err },
    );
  }
}
