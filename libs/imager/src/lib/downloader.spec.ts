import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChecksum } from './checksum';
import { Downloader } from './downloader';
import { ChecksumMismatchError, DownloadError } from './errors';

const body = Buffer.alloc(300_000, 'abc');
const md5 = createHash('md5').update(body).digest('hex');

describe('Downloader', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const hits: { url: string; inm?: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imager-dl-'));
    server = createServer((req, res) => {
      hits.push({
        url: req.url ?? '',
        inm: req.headers['if-none-match'] as string | undefined,
      });
      if (req.url === '/missing') {
        res.writeHead(404, 'Not Found').end();
      } else if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304).end();
      } else if (req.url === '/short') {
        res.writeHead(200, { 'content-length': String(body.length) });
        res.write(body.subarray(0, 1000));
        res.destroy();
      } else {
        res
          .writeHead(200, {
            'content-length': String(body.length),
            etag: '"v1"',
          })
          .end(body);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => (hits.length = 0));

  it('downloads into the cache with progress, then revalidates with the ETag', async () => {
    const dl = new Downloader(join(dir, 'c1'));
    const progress: [number, number | undefined][] = [];
    const a = await dl.fetchFile(`${base}/img`, {
      onProgress: (b, t) => progress.push([b, t]),
    });
    expect(a.origin).toBe('download');
    expect(readFileSync(a.path).equals(body)).toBe(true);
    expect(progress[progress.length - 1]).toEqual([body.length, body.length]);
    const b = await dl.fetchFile(`${base}/img`);
    expect(b).toMatchObject({ origin: 'cache', path: a.path });
    expect(hits.map((h) => h.inm)).toEqual([undefined, '"v1"']);
  });

  it('trusts a cached download with a matching checksum without asking the server', async () => {
    const dl = new Downloader(join(dir, 'c2'));
    const checksum = parseChecksum(`md5:${md5}`);
    await dl.fetchFile(`${base}/img`, { checksum });
    const again = await dl.fetchFile(`${base}/img`, { checksum });
    expect(again.origin).toBe('cache');
    expect(hits).toHaveLength(1);
  });

  it('rejects a checksum mismatch and leaves no file behind', async () => {
    const cache = join(dir, 'c3');
    const dl = new Downloader(cache);
    await expect(
      dl.fetchFile(`${base}/img`, {
        checksum: parseChecksum(`sha256:${'0'.repeat(64)}`),
      }),
    ).rejects.toThrow(ChecksumMismatchError);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('verifies local files in place', async () => {
    const file = join(dir, 'local.tar');
    writeFileSync(file, body);
    const dl = new Downloader(join(dir, 'c4'));
    await expect(
      dl.fetchFile(file, { checksum: parseChecksum(md5) }),
    ).resolves.toMatchObject({ origin: 'local', path: file });
    await expect(
      dl.fetchFile(file, { checksum: parseChecksum('0'.repeat(32)) }),
    ).rejects.toThrow(/checksum mismatch/);
    await expect(dl.fetchFile(join(dir, 'nope.tar'))).rejects.toThrow(/ENOENT/);
  });

  it('reports HTTP errors, refused connections and truncated transfers as DownloadError', async () => {
    const dl = new Downloader(join(dir, 'c5'));
    await expect(dl.fetchFile(`${base}/missing`)).rejects.toThrow(
      /HTTP 404 Not Found/,
    );
    await expect(dl.fetchFile(`${base}/short`)).rejects.toThrow(DownloadError);
    const port = (server.address() as AddressInfo).port;
    await expect(
      dl.fetchFile(`http://127.0.0.1:${port + 1}/x`),
    ).rejects.toThrow(/ECONNREFUSED/);
    expect(readdirSync(join(dir, 'c5'))).toEqual([]);
  });
});
