import { execFileSync } from 'node:child_process';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveError } from './errors';
import { TarStreamParser, type TarEntry } from './tar-stream';

function parse(buf: Buffer, chunk = 65536): TarEntry[] {
  const out: TarEntry[] = [];
  const p = new TarStreamParser((e) => out.push(e));
  for (let i = 0; i < buf.length; i += chunk)
    p.write(buf.subarray(i, i + chunk));
  p.end();
  return out;
}

describe('TarStreamParser', () => {
  let dir: string;
  const longDir = 'd'.repeat(90) + '/' + 'e'.repeat(90);
  const longFile = `${longDir}/${'f'.repeat(120)}.txt`;
  const longTarget = 't'.repeat(150);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imager-tar-'));
    const root = join(dir, 'root');
    mkdirSync(join(root, longDir), { recursive: true });
    writeFileSync(join(root, longFile), 'x'.repeat(1000));
    writeFileSync(join(root, 'small'), 'hello');
    linkSync(join(root, 'small'), join(root, 'hard'));
    symlinkSync(longTarget, join(root, 'sym'));
    symlinkSync('/abs/target', join(root, 'abs'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['gnu', 'posix'])(
    'lists the same members as GNU tar (%s format)',
    (format) => {
      const tar = execFileSync('tar', [
        '-c',
        `--format=${format}`,
        '--sort=name',
        '-C',
        join(dir, 'root'),
        '.',
      ]);
      const names = execFileSync('tar', ['-t'], { input: tar })
        .toString()
        .trim()
        .split('\n');
      for (const chunk of [1, 7, 511, 513, 65536]) {
        const entries = parse(tar, chunk);
        expect(entries.map((x) => x.name)).toEqual(names);
      }
      const entries = parse(tar);
      const by = (n: string) => entries.find((x) => x.name === n) as TarEntry;
      expect(by(`./${longFile}`)).toMatchObject({ type: 'file', size: 1000 });
      expect(by('./sym')).toMatchObject({
        type: 'symlink',
        linkName: longTarget,
      });
      expect(by('./abs')).toMatchObject({
        type: 'symlink',
        linkName: '/abs/target',
      });
      const hard = entries.find((x) => x.type === 'hardlink');
      expect(hard?.linkName).toMatch(/^\.\/(small|hard)$/);
      expect(by('./')).toMatchObject({ type: 'directory' });
    },
  );

  it('refuses a truncated stream and a non-tar stream', () => {
    const tar = execFileSync('tar', [
      '-c',
      '-C',
      join(dir, 'root'),
      'small',
      longFile,
    ]);
    expect(() => parse(tar.subarray(0, 1500))).toThrow(/truncated/);
    const garbage = Buffer.alloc(1024, 0x41);
    expect(() => parse(garbage)).toThrow(ArchiveError);
  });

  it('reports entries before the bytes after them are consumed', () => {
    const tar = execFileSync('tar', ['-c', '-C', join(dir, 'root'), 'small']);
    const seen: number[] = [];
    const p = new TarStreamParser(() => seen.push(p.bytes));
    p.write(tar.subarray(0, 512));
    expect(seen).toEqual([512]);
  });
});
