import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ObjectNotFoundError, UploadError } from './errors';
import { ObjectStore } from './object-store';

const MiB = 1024 * 1024;

function storeFromEnv(): ObjectStore {
  const { S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY } = process.env;
  if (!S3_ENDPOINT || !S3_ACCESS_KEY || !S3_SECRET_KEY) {
    throw new Error(
      'S3_ENDPOINT/S3_ACCESS_KEY/S3_SECRET_KEY not set: run `scripts/services.sh start test`',
    );
  }
  return new ObjectStore({
    endpoint: S3_ENDPOINT,
    accessKey: S3_ACCESS_KEY,
    secretKey: S3_SECRET_KEY,
    bucket: process.env['S3_BUCKET'] ?? 'velociraptor',
    region: process.env['S3_REGION'] ?? 'us-east-1',
    partSizeBytes: 5 * MiB,
  });
}

async function readAll(s: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('ObjectStore against the real S3 server', () => {
  const store = storeFromEnv();
  const prefix = `it-storage/${Date.now()}-${randomBytes(4).toString('hex')}/`;

  beforeAll(async () => {
    await store.ensureBucket();
    await store.ensureBucket(); // idempotent
  });

  afterAll(async () => {
    await store.abortIncompleteUploads(prefix);
    for (const o of await store.list(prefix)) await store.remove(o.key);
  });

  it('reports healthy', async () => {
    expect((await store.health()).ok).toBe(true);
  });

  it('streams a multipart object whose size and hashes match what is stored', async () => {
    const buf = randomBytes(12 * MiB + 7);
    const key = `${prefix}multi.bin`;
    const r = await store.putStream(
      key,
      Readable.from([buf.subarray(0, 3 * MiB), buf.subarray(3 * MiB)]),
    );
    expect(r.parts).toBe(3);
    expect(r.size).toBe(buf.length);
    expect(r.md5).toBe(createHash('md5').update(buf).digest('hex'));

    const st = await store.stat(key);
    expect(st.size).toBe(buf.length);
    const back = await readAll(await store.getStream(key));
    expect(createHash('sha256').update(back).digest('hex')).toBe(r.sha256);

    const range = await readAll(
      await store.getStream(key, { offset: 5 * MiB, length: 100 }),
    );
    expect(range.equals(buf.subarray(5 * MiB, 5 * MiB + 100))).toBe(true);

    expect((await store.list(prefix)).map((o) => o.key)).toContain(key);
    const url = await store.presignedGet(key, 60);
    const res = await fetch(url, { headers: { Range: 'bytes=0-9' } });
    expect(
      Buffer.from(await res.arrayBuffer()).equals(buf.subarray(0, 10)),
    ).toBe(true);
  });

  it('stores a small object with a single PUT and metadata', async () => {
    const key = `${prefix}small.txt`;
    const r = await store.putStream(
      key,
      Readable.from([Buffer.from('hello')]),
      {
        contentType: 'text/plain',
        metadata: { sha256: 'abc' },
      },
    );
    expect(r.etag).toBe(r.md5);
    const st = await store.stat(key);
    expect(st.size).toBe(5);
    expect(st.metadata['sha256']).toBe('abc');
  });

  it('aborts the server-side upload when the source stream fails', async () => {
    const key = `${prefix}broken.bin`;
    const src = new PassThrough();
    const p = store.putStream(key, src);
    src.write(randomBytes(6 * MiB)); // forces a multipart upload with one part sent
    setTimeout(() => src.destroy(new Error('compressor crashed')), 500);
    await expect(p).rejects.toThrow(UploadError);
    expect(await store.listIncompleteUploads(key)).toEqual([]);
    await expect(store.stat(key)).rejects.toThrow(ObjectNotFoundError);
  });

  it('remove makes the object disappear', async () => {
    const key = `${prefix}gone.txt`;
    await store.putStream(key, Readable.from([Buffer.from('x')]));
    await store.remove(key);
    expect(await store.exists(key)).toBe(false);
  });
});
