import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Lxc, type RunOptions, type RunResult } from '@velociraptor/lxc';
import { ObjectStore } from '@velociraptor/storage';
import {
  CancelledError,
  ChecksumMismatchError,
  ScriptFailedError,
  TimeoutError,
  UnsafeArchiveError,
} from './errors';
import { manifestFromDirectory, manifestFromTarStream } from './manifest';
import {
  buildImage,
  createDefaultDeps,
  type BuildImageOptions,
  type ImagerDeps,
} from './pipeline';

const repo = resolve(__dirname, '../../../..');
const NAME_PREFIX = `it-imager-${process.pid}-`;

function fixture(kind: 'busybox' | 'debian'): string {
  const out = execFileSync(
    join(repo, 'scripts/fixtures/make-base-images.sh'),
    [kind],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return out.toString().trim().split('\n').pop() as string;
}

/** The real Lxc, counting the containers the pipeline starts. */
class CountingLxc {
  runs = 0;
  readonly real = new Lxc();
  run(o: RunOptions): Promise<RunResult> {
    this.runs++;
    return this.real.run(o);
  }
  shell(): Promise<number> {
    throw new Error('not used');
  }
}

async function ours(lxc: Lxc): Promise<string[]> {
  return (await lxc.list()).filter((n) => n.startsWith(NAME_PREFIX));
}

describe('buildImage on real LXC', () => {
  let tmp: string;
  let workRoot: string;
  let busybox: string;
  let lxc: CountingLxc;
  let deps: ImagerDeps;
  let n = 0;
  const name = () => `${NAME_PREFIX}${n++}`;

  beforeAll(async () => {
    await Lxc.assertAvailable();
    busybox = fixture('busybox');
    tmp = mkdtempSync(join(tmpdir(), 'imager-it-'));
    workRoot = join(tmp, 'work');
    mkdirSync(workRoot);
  });
  beforeEach(() => {
    lxc = new CountingLxc();
    deps = { ...createDefaultDeps({ cacheDir: join(tmp, 'cache') }), lxc };
  });
  afterEach(() => {
    // Every build cleans up after itself, failed or not.
    expect(readdirSync(workRoot)).toEqual([]);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function opts(extra: Partial<BuildImageOptions>): BuildImageOptions {
    return {
      baseImageUrl: busybox,
      script: { content: 'true\n' },
      destination: { kind: 'file', path: join(tmp, `out-${n}.tar.zst`) },
      workRoot,
      containerName: name(),
      ...extra,
    };
  }

  it('runs the script as root with the stack env, streams its lines and packs the result', async () => {
    const lines: string[] = [];
    const out = join(tmp, 'hello.tar.gz');
    const script = [
      '#!/bin/sh',
      'echo "uid=$(id -u) home=$HOME path=$PATH front=$DEBIAN_FRONTEND greet=$GREETING"',
      'echo oops >&2',
      'echo made > /root/made',
      'ls /.vimage-provision >/dev/null && echo script-visible',
    ].join('\n');
    const r = await buildImage(
      opts({
        script: { content: script },
        env: { GREETING: 'hi there' },
        format: 'gzip',
        destination: { kind: 'file', path: out },
        onLine: (l, s) => lines.push(`${s}:${l}`),
      }),
      deps,
    );
    expect(lines).toEqual([
      'stdout:uid=0 home=/root path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin front=noninteractive greet=hi there',
      // stderr is merged into stdout inside the container, in the order written
      'stdout:oops',
      'stdout:script-visible',
    ]);
    const listing = execFileSync('tar', ['-tzf', out]).toString().split('\n');
    expect(listing).toContain('./root/made');
    expect(listing.some((l) => l.includes('vimage-provision'))).toBe(false);
    const bytes = readFileSync(out);
    expect(r.size).toBe(bytes.length);
    expect(r.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(r.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(readdirSync(tmp).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it("propagates the script's exit code and writes no image", async () => {
    const out = join(tmp, 'failed.tar.zst');
    const p = buildImage(
      opts({
        script: { content: 'echo before; exit 42\n' },
        destination: { kind: 'file', path: out },
      }),
      deps,
    );
    await expect(p).rejects.toBeInstanceOf(ScriptFailedError);
    await expect(p).rejects.toMatchObject({ exitCode: 42 });
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('failed'))).toEqual([]);
  });

  it('fails a checksum mismatch before any container starts', async () => {
    const p = buildImage(
      opts({ baseImageChecksum: `sha256:${'0'.repeat(64)}` }),
      deps,
    );
    await expect(p).rejects.toBeInstanceOf(ChecksumMismatchError);
    expect(lxc.runs).toBe(0);
    expect(await ours(lxc.real)).toEqual([]);
  });

  it('accepts the right checksum', async () => {
    const sum = createHash('md5').update(readFileSync(busybox)).digest('hex');
    await expect(
      buildImage(opts({ baseImageChecksum: `md5:${sum}` }), deps),
    ).resolves.toMatchObject({ format: 'zstd' });
    expect(lxc.runs).toBe(1);
  });

  describe('unsafe archives', () => {
    let outside: string;
    beforeEach(() => {
      outside = join(tmp, `outside-${n}`);
      mkdirSync(outside);
    });

    /** Tars the busybox rootfs plus one hostile addition, with Python's tarfile (GNU tar refuses to write these). */
    function hostile(kind: 'dotdot' | 'absolute' | 'symlink'): string {
      const file = join(tmp, `hostile-${kind}.tar`);
      const py = `
import io, sys, tarfile
src, dst, kind, outside = sys.argv[1:5]
with tarfile.open(src) as s, tarfile.open(dst, "w", format=tarfile.GNU_FORMAT) as d:
    for m in s.getmembers():
        d.addfile(m, s.extractfile(m) if m.isfile() else None)
    def add(name, data=b"pwned\\n"):
        ti = tarfile.TarInfo(name); ti.size = len(data); d.addfile(ti, io.BytesIO(data))
    if kind == "dotdot":
        add("./" + "../" * 8 + outside.lstrip("/") + "/dotdot")
    elif kind == "absolute":
        add(outside + "/absolute")
    else:
        ti = tarfile.TarInfo("./evil"); ti.type = tarfile.SYMTYPE; ti.linkname = outside; d.addfile(ti)
        add("./evil/through-symlink")
`;
      execFileSync('python3', ['-c', py, busybox, file, kind, outside]);
      return file;
    }

    it.each(['dotdot', 'absolute', 'symlink'] as const)(
      'refuses a %s escape and writes nothing outside',
      async (kind) => {
        const p = buildImage(opts({ baseImageUrl: hostile(kind) }), deps);
        await expect(p).rejects.toBeInstanceOf(UnsafeArchiveError);
        expect(readdirSync(outside)).toEqual([]);
        expect(lxc.runs).toBe(0);
      },
    );
  });

  it('kills the container on timeout and leaves nothing in lxc list', async () => {
    const p = buildImage(
      opts({
        script: { content: 'echo started; sleep 600\n' },
        timeoutMs: 4000,
      }),
      deps,
    );
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await expect(p).rejects.toMatchObject({ phase: 'script' });
    expect(await ours(lxc.real)).toEqual([]);
  });

  it('kills the container on cancel and leaves nothing in lxc list', async () => {
    const ac = new AbortController();
    const p = buildImage(
      opts({
        script: { content: 'echo started; sleep 600\n' },
        signal: ac.signal,
        onLine: (l) => l === 'started' && ac.abort(),
      }),
      deps,
    );
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(await ours(lxc.real)).toEqual([]);
  });

  it('round-trips ownership, set[ug]id, devices, fifos, hardlinks, symlinks, ACLs and file capabilities', async () => {
    // A base image with the hard cases, packed by GNU tar.
    const base = join(tmp, 'special-root');
    mkdirSync(base);
    execFileSync('tar', [
      '-x',
      '--numeric-owner',
      '-p',
      '-f',
      busybox,
      '-C',
      base,
    ]);
    const sh = (script: string) =>
      execFileSync('sh', ['-ec', script, 'sh', base]);
    sh(`cd "$1"
      mkdir -p opt/s && echo data > opt/s/suid && chown 1000:1001 opt/s/suid && chmod 6755 opt/s/suid
      ln opt/s/suid opt/s/hard
      echo cap > opt/s/cap && chmod 755 opt/s/cap && setcap cap_net_raw+ep opt/s/cap
      echo acl > opt/s/acl && setfacl -m u:1234:r opt/s/acl
      mknod opt/s/null c 1 3 && mknod opt/s/loop b 7 0 && mkfifo opt/s/fifo
      ln -s /etc/passwd opt/s/abs-link && ln -s ../s/suid opt/s/rel-link
      chmod 1777 opt/s && chown 33:44 opt/s`);
    const baseTar = join(tmp, 'special.tar');
    execFileSync('tar', [
      '-c',
      '--numeric-owner',
      '--xattrs',
      '--xattrs-include=*',
      '--acls',
      '-p',
      '-f',
      baseTar,
      '-C',
      base,
      '.',
    ]);

    const out = join(tmp, 'special.tar.zst');
    const r = await buildImage(
      opts({
        baseImageUrl: baseTar,
        script: { content: 'touch /opt/s/from-script\n' },
        destination: { kind: 'file', path: out },
        keepWorkDir: 'always',
      }),
      deps,
    );
    const rootfs = join(r.workDir as string, 'rootfs');
    const before = await manifestFromDirectory(rootfs);

    const again = join(tmp, 'special-again');
    mkdirSync(again);
    execFileSync('sh', [
      '-c',
      'zstd -dc < "$1" | tar -x --numeric-owner --xattrs --xattrs-include="*" --acls -p -f - -C "$2"',
      'sh',
      out,
      again,
    ]);
    expect(await manifestFromDirectory(again)).toEqual(before);
    const listed = await manifestFromTarStream(
      spawn('zstd', ['-dc', out]).stdout as Readable,
    );
    expect(listed).toEqual(before);

    const find = (p: string) => before.entries.find((e) => e.path === p);
    expect(find('opt/s/suid')).toMatchObject({
      uid: 1000,
      gid: 1001,
      mode: 0o6755,
    });
    expect(find('opt/s')).toMatchObject({ uid: 33, gid: 44, mode: 0o1777 });
    expect(find('opt/s/null')).toMatchObject({
      type: 'char',
      devMajor: 1,
      devMinor: 3,
    });
    expect(find('opt/s/loop')).toMatchObject({
      type: 'block',
      devMajor: 7,
      devMinor: 0,
    });
    expect(find('opt/s/fifo')).toMatchObject({ type: 'fifo' });
    expect(find('opt/s/abs-link')).toMatchObject({
      type: 'symlink',
      linkTarget: '/etc/passwd',
    });
    expect(find('opt/s/from-script')).toMatchObject({ type: 'file' });
    expect(before.hardlinks).toContainEqual(['opt/s/hard', 'opt/s/suid']);
    for (const dir of [rootfs, again]) {
      expect(
        execFileSync('getcap', [join(dir, 'opt/s/cap')]).toString(),
      ).toMatch(/cap_net_raw[=+]ep/);
      expect(
        execFileSync('getfacl', ['-cn', join(dir, 'opt/s/acl')]).toString(),
      ).toMatch(/user:1234:r--/);
    }
    rmSync(r.workDir as string, { recursive: true, force: true });
  });

  describe('S3 destination', () => {
    const env = process.env;
    const store =
      env['S3_ENDPOINT'] && env['S3_ACCESS_KEY'] && env['S3_SECRET_KEY']
        ? new ObjectStore({
            endpoint: env['S3_ENDPOINT'],
            accessKey: env['S3_ACCESS_KEY'],
            secretKey: env['S3_SECRET_KEY'],
            bucket: env['S3_BUCKET'] ?? 'velociraptor',
            region: env['S3_REGION'] ?? 'us-east-1',
            partSizeBytes: 5 * 1024 * 1024,
          })
        : undefined;
    const key = `it-imager/${Date.now()}-${randomBytes(4).toString('hex')}/image.tar.zst`;

    afterAll(async () => {
      await store?.remove(key);
    });

    it('uploads the image; the object matches the reported size, md5 and sha256', async () => {
      if (!store)
        throw new Error('S3_* not set: run `scripts/services.sh start test`');
      await store.ensureBucket();
      const r = await buildImage(
        opts({
          // ~12 MiB of random data so the upload is multipart.
          script: { content: 'head -c 12582912 /dev/urandom > /root/blob\n' },
          destination: { kind: 's3', store, key },
        }),
        deps,
      );
      expect(r.destination).toEqual({ kind: 's3', bucket: store.bucket, key });
      const st = await store.stat(key);
      expect(st.size).toBe(r.size);
      const md5 = createHash('md5');
      const sha = createHash('sha256');
      for await (const c of await store.getStream(key)) {
        md5.update(c as Buffer);
        sha.update(c as Buffer);
      }
      expect(md5.digest('hex')).toBe(r.md5);
      expect(sha.digest('hex')).toBe(r.sha256);
    });
  });

  describe('Debian minbase', () => {
    let debian: string;
    beforeAll(() => {
      debian = fixture('debian');
    });

    it('apt-get installs jq into the image; the packed tarball matches the rootfs manifest', async () => {
      const out = join(tmp, 'jq.tar.zst');
      const lines: string[] = [];
      const r = await buildImage(
        opts({
          baseImageUrl: debian,
          script: {
            content:
              '#!/bin/sh\nset -e\napt-get update -qq\napt-get install -y -qq jq\njq --version\n',
          },
          destination: { kind: 'file', path: out },
          keepWorkDir: 'always',
          onLine: (l) => lines.push(l),
        }),
        deps,
      );
      expect(lines.some((l) => /^jq-1\./.test(l))).toBe(true);
      const rootfs = join(r.workDir as string, 'rootfs');
      const before = await manifestFromDirectory(rootfs);
      const jq = before.entries.find((e) => e.path === 'usr/bin/jq');
      expect(jq).toMatchObject({ type: 'file', uid: 0, gid: 0, mode: 0o755 });
      expect(
        before.entries.filter((e) => e.mode & 0o6000).length,
      ).toBeGreaterThan(5);
      const listed = await manifestFromTarStream(
        spawn('zstd', ['-dc', out]).stdout as Readable,
      );
      expect(listed).toEqual(before);
      rmSync(r.workDir as string, { recursive: true, force: true });
    });
  });
});
