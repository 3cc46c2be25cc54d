import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ObjectStore, type S3Client } from './object-store';
import {
  InvalidStoreConfigError,
  ObjectNotFoundError,
  UploadError,
} from './errors';

const MiB = 1024 * 1024;

/** In-memory stand-in for the minio client that records every call. */
class FakeS3 {
  calls: string[] = [];
  objects = new Map<string, Buffer>();
  uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  failPart?: number;
  private nextId = 1;

  asClient(): S3Client {
    return this as unknown as S3Client;
  }
  async bucketExists(): Promise<boolean> {
    this.calls.push('bucketExists');
    return true;
  }
  async putObject(
    _b: string,
    key: string,
    buf: Buffer,
  ): Promise<{ etag: string }> {
    this.calls.push(`putObject ${key}`);
    this.objects.set(key, buf);
    return { etag: createHash('md5').update(buf).digest('hex') };
  }
  async initiateNewMultipartUpload(_b: string, key: string): Promise<string> {
    const id = `u${this.nextId++}`;
    this.calls.push(`initiate ${key}`);
    this.uploads.set(id, { key, parts: new Map() });
    return id;
  }
  async uploadPart(
    cfg: {
      uploadID: string;
      partNumber: number;
      headers: Record<string, string>;
    },
    payload: Buffer,
  ): Promise<{ etag: string; key: string; part: number }> {
    this.calls.push(`part ${cfg.partNumber} ${payload.length}`);
    if (cfg.partNumber === this.failPart) throw new Error('connection reset');
    expect(cfg.headers['Content-MD5']).toBe(
      createHash('md5').update(payload).digest('base64'),
    );
    this.uploads
      .get(cfg.uploadID)
      ?.parts.set(cfg.partNumber, Buffer.from(payload));
    return { etag: `e${cfg.partNumber}`, key: '', part: cfg.partNumber };
  }
  async completeMultipartUpload(
    _b: string,
    key: string,
    uploadId: string,
    etags: { part: number }[],
  ): Promise<{ etag: string; versionId: null }> {
    this.calls.push(`complete ${etags.map((e) => e.part).join(',')}`);
    const up = this.uploads.get(uploadId);
    if (!up) throw new Error('no such upload');
    this.objects.set(
      key,
      Buffer.concat(etags.map((e) => up.parts.get(e.part) ?? Buffer.alloc(0))),
    );
    this.uploads.delete(uploadId);
    return { etag: '', versionId: null }; // like radosgw
  }
  async abortMultipartUpload(
    _b: string,
    _key: string,
    uploadId: string,
  ): Promise<void> {
    this.calls.push(`abort ${uploadId}`);
    this.uploads.delete(uploadId);
  }
  async statObject(_b: string, key: string): Promise<unknown> {
    const o = this.objects.get(key);
    if (!o) throw Object.assign(new Error('Not Found'), { code: 'NotFound' });
    return {
      size: o.length,
      etag: 'x',
      lastModified: new Date(0),
      metaData: {},
    };
  }
}

const config = {
  endpoint: 'http://127.0.0.1:9000',
  accessKey: 'a',
  secretKey: 'b',
  bucket: 'images',
  partSizeBytes: 5 * MiB,
};

function data(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 4096) b[i] = i % 251;
  return b;
}

/** Emits `buf` in uneven chunks, then optionally an error instead of the end. */
function chunked(buf: Buffer, fail?: Error): Readable {
  const s = new PassThrough();
  void (async () => {
    for (let off = 0; off < buf.length; off += 300_000) {
      if (!s.write(buf.subarray(off, off + 300_000))) {
        await new Promise((r) => s.once('drain', r));
      }
    }
    if (fail) s.destroy(fail);
    else s.end();
  })();
  return s;
}

describe('ObjectStore config', () => {
  it('rejects a bad endpoint naming the field', () => {
    expect(() => new ObjectStore({ ...config, endpoint: 'ftp://x' })).toThrow(
      /endpoint/,
    );
    expect(() => new ObjectStore({ ...config, bucket: 'A_B' })).toThrow(
      InvalidStoreConfigError,
    );
  });
  it('rejects a part size S3 does not allow', () => {
    expect(() => new ObjectStore({ ...config, partSizeBytes: MiB })).toThrow(
      /partSizeBytes/,
    );
  });
});

describe('ObjectStore.putStream', () => {
  it('uses a single PUT below one part and hashes the bytes', async () => {
    const s3 = new FakeS3();
    const store = new ObjectStore(config, s3.asClient());
    const buf = data(MiB);
    const r = await store.putStream('k', chunked(buf));
    expect(s3.calls).toEqual(['putObject k']);
    expect(r.size).toBe(buf.length);
    expect(r.md5).toBe(createHash('md5').update(buf).digest('hex'));
    expect(r.sha256).toBe(createHash('sha256').update(buf).digest('hex'));
    expect(s3.objects.get('k')?.equals(buf)).toBe(true);
  });

  it('uploads parts in order and reassembles the exact bytes', async () => {
    const s3 = new FakeS3();
    const store = new ObjectStore(config, s3.asClient());
    const buf = data(12 * MiB + 123);
    const progress: number[] = [];
    const r = await store.putStream('big', chunked(buf), {
      onProgress: (n) => progress.push(n),
    });
    expect(s3.calls).toEqual([
      'initiate big',
      `part 1 ${5 * MiB}`,
      `part 2 ${5 * MiB}`,
      `part 3 ${2 * MiB + 123}`,
      'complete 1,2,3',
    ]);
    expect(r.parts).toBe(3);
    expect(r.etag).toBe('');
    expect(r.sha256).toBe(createHash('sha256').update(buf).digest('hex'));
    expect(s3.objects.get('big')?.equals(buf)).toBe(true);
    expect(progress[progress.length - 1]).toBe(buf.length);
  });

  it('rejects and aborts the multipart upload when the source fails', async () => {
    const s3 = new FakeS3();
    const store = new ObjectStore(config, s3.asClient());
    const p = store.putStream(
      'bad',
      chunked(data(11 * MiB), new Error('zstd died')),
    );
    await expect(p).rejects.toThrow(UploadError);
    await expect(p).rejects.toThrow(/zstd died/);
    expect(s3.calls).toContain('abort u1');
    expect(s3.calls.some((c) => c.startsWith('complete'))).toBe(false);
    expect(s3.uploads.size).toBe(0);
    expect(s3.objects.has('bad')).toBe(false);
  });

  it('rejects and aborts when a part upload fails', async () => {
    const s3 = new FakeS3();
    s3.failPart = 2;
    const store = new ObjectStore(config, s3.asClient());
    await expect(store.putStream('p', chunked(data(16 * MiB)))).rejects.toThrow(
      /connection reset/,
    );
    expect(s3.calls).toContain('abort u1');
    expect(s3.objects.has('p')).toBe(false);
  });

  it('times out on a stalled source and aborts the upload', async () => {
    const s3 = new FakeS3();
    const store = new ObjectStore(config, s3.asClient());
    const src = new PassThrough();
    src.write(data(6 * MiB)); // enough to start the multipart upload, then silence
    await expect(
      store.putStream('slow', src, { timeoutMs: 200 }),
    ).rejects.toThrow(/timed out/);
    expect(s3.calls).toContain('abort u1');
    expect(src.destroyed).toBe(true);
  });

  it('stops on an abort signal', async () => {
    const s3 = new FakeS3();
    const store = new ObjectStore(config, s3.asClient());
    const ac = new AbortController();
    const src = new PassThrough();
    const p = store.putStream('c', src, { signal: ac.signal });
    src.write('x');
    ac.abort();
    await expect(p).rejects.toThrow(/cancelled/);
    expect(s3.objects.has('c')).toBe(false);
  });
});

describe('ObjectStore.stat', () => {
  it('maps a missing key to ObjectNotFoundError', async () => {
    const store = new ObjectStore(config, new FakeS3().asClient());
    await expect(store.stat('nope')).rejects.toThrow(ObjectNotFoundError);
    expect(await store.exists('nope')).toBe(false);
  });
});
