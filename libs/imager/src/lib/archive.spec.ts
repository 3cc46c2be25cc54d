import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveTool } from './archive';
import { UnsafeArchiveError } from './errors';
import { manifestFromDirectory } from './manifest';

describe('ArchiveTool with GNU tar', () => {
  let dir: string;
  const tool = new ArchiveTool();
  const fresh = (name: string) => {
    const p = join(dir, name);
    mkdirSync(p);
    return p;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imager-archive-'));
    const src = fresh('src');
    mkdirSync(join(src, 'usr/bin'), { recursive: true });
    writeFileSync(join(src, 'usr/bin/tool'), 'x'.repeat(100_000));
    chmodSync(join(src, 'usr/bin/tool'), 0o4755);
    linkSync(join(src, 'usr/bin/tool'), join(src, 'usr/bin/tool2'));
    symlinkSync('usr/bin', join(src, 'bin'));
    symlinkSync('/etc/passwd', join(src, 'abs'));
    chmodSync(join(src, 'usr'), 0o1777);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['zstd', 'gzip'] as const)(
    'packs and unpacks (%s) without changing the manifest',
    async (format) => {
      const src = join(dir, 'src');
      const img = join(dir, `img-${format}`);
      const progress: number[] = [];
      const packed = await tool.packToFile(src, img, {
        format,
        onProgress: (n) => progress.push(n),
      });
      expect(packed.size).toBe(progress[progress.length - 1]);
      const md5 = execFileSync('md5sum', [img]).toString().split(' ')[0];
      expect(packed.md5).toBe(md5);
      const out = fresh(`out-${format}`);
      const r = await tool.unpack(img, out);
      expect(r.compression).toBe(format);
      expect(await manifestFromDirectory(out)).toEqual(
        await manifestFromDirectory(src),
      );
    },
  );

  it('refuses a symlink-then-file archive made by GNU tar itself, writing nothing outside', async () => {
    const outside = fresh('outside');
    const a = fresh('a');
    symlinkSync(outside, join(a, 'evil'));
    const b = fresh('b');
    mkdirSync(join(b, 'evil'));
    writeFileSync(join(b, 'evil/pwned'), 'pwned');
    const tar = join(dir, 'evil.tar');
    execFileSync('tar', ['-c', '-f', tar, '-C', a, 'evil']);
    execFileSync('tar', ['-r', '-f', tar, '-C', b, 'evil/pwned']);
    const dest = fresh('dest');
    await expect(tool.unpack(tar, dest)).rejects.toThrow(UnsafeArchiveError);
    expect(readdirSync(outside)).toEqual([]);
  });

  describe('refuses what GNU tar would rewrite, writing nothing outside', () => {
    // Archives GNU tar will not make: written with Python's tarfile.
    const hostile = (members: string): string => {
      const file = join(
        dir,
        `hostile-${Math.random().toString(36).slice(2)}.tar`,
      );
      const py = `
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
def add(name, kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name); ti.type = kind; ti.linkname = link
    data = b"x" if kind == tarfile.REGTYPE else b""
    ti.size = len(data); t.addfile(ti, io.BytesIO(data))
${members}
t.close()`;
      execFileSync('python3', ['-c', py, file]);
      return file;
    };
    let outside: string;
    beforeEach(() => {
      outside = fresh(`outside-${Math.random().toString(36).slice(2)}`);
    });

    it.each([
      [
        'a ".." member',
        (o: string) => `add("../../../..${o}/up")`,
        /".." component/,
      ],
      ['a ".." inside a member', () => 'add("a/../../b")', /".." component/],
      ['an absolute member', (o: string) => `add("${o}/abs")`, /absolute/],
      [
        'a hardlink to a "../" target',
        () => 'add("f"); add("h", tarfile.LNKTYPE, "../../etc/passwd")',
        /hardlink target starts with "..\/\.\.\/"/,
      ],
      [
        'a hardlink to an absolute target',
        () => 'add("h", tarfile.LNKTYPE, "/etc/passwd")',
        /hardlink target starts with "\/"/,
      ],
      [
        'a hardlink through an outward symlink',
        (o: string) =>
          `add("ev", tarfile.SYMTYPE, "${o}"); add("h", tarfile.LNKTYPE, "ev/x")`,
        /beneath symlink "ev"/,
      ],
    ])('%s', async (_what, members, message) => {
      const dest = fresh(`dest-${Math.random().toString(36).slice(2)}`);
      const p = tool.unpack(hostile(members(outside)), dest);
      await expect(p).rejects.toThrow(UnsafeArchiveError);
      await expect(p).rejects.toThrow(message);
      expect(readdirSync(outside)).toEqual([]);
    });
  });

  it('blames tar, not the decompressor, when tar is the one that fails', async () => {
    const src = fresh('random');
    writeFileSync(join(src, 'noise'), randomBytes(4 * 1024 * 1024));
    const img = join(dir, 'random.tar.zst');
    await tool.packToFile(src, img, { format: 'zstd' });
    await expect(tool.unpack(img, join(dir, 'no-such-folder'))).rejects.toThrow(
      /extracting .* failed: tar exited with code 2/,
    );
  });

  it.each([
    ['an old GNU tar', 'tar (GNU tar) 1.28'],
    ['bsdtar', 'bsdtar 3.6.2 - libarchive 3.6.2 zlib/1.2.13'],
  ])('refuses to unpack with %s', async (_what, version) => {
    const bin = fresh(`fake-tar-${version.length}`);
    writeFileSync(join(bin, 'tar'), `#!/bin/sh\necho '${version}'\n`, {
      mode: 0o755,
    });
    const path = process.env['PATH'];
    process.env['PATH'] = `${bin}:${path}`;
    try {
      await expect(
        new ArchiveTool().unpack(
          join(dir, 'any.tar'),
          fresh(`dest-${version.length}`),
        ),
      ).rejects.toThrow(
        `GNU tar 1.30 or newer is needed to unpack images safely; \`tar --version\` says: ${version}`,
      );
    } finally {
      process.env['PATH'] = path;
    }
  });

  it('reports a corrupt compressed archive as a decompression error', async () => {
    const bad = join(dir, 'bad.tar.zst');
    writeFileSync(
      bad,
      Buffer.concat([
        Buffer.from([0x28, 0xb5, 0x2f, 0xfd]),
        Buffer.alloc(5000, 7),
      ]),
    );
    await expect(tool.unpack(bad, fresh('bad'))).rejects.toThrow(
      /cannot decompress/,
    );
  });

  it('makes the packed stream fail, not end, when tar fails', async () => {
    const ps = tool.packToStream(join(dir, 'does-not-exist'), {
      format: 'zstd',
    });
    const consume = async () => {
      for await (const chunk of ps.stream) void chunk;
    };
    await expect(consume()).rejects.toThrow(
      /packing .* failed: tar exited with code 2/,
    );
    await expect(ps.done).rejects.toThrow(/tar exited/);
  });
});
