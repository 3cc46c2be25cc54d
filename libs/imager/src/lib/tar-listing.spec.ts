import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveError, UnsafeArchiveError } from './errors';
import {
  parseListingLine,
  unquoteC,
  unsafeArchiveWarning,
} from './tar-listing';

describe('unquoteC', () => {
  it('undoes C escapes and keeps octal escapes as single bytes', () => {
    expect(unquoteC(String.raw`a\nb\t\"q\"\\`)).toBe('a\nb\t"q"\\');
    // "é" in UTF-8 is \303\251: two latin1 characters, one per byte.
    expect(unquoteC(String.raw`caf\303\251`)).toBe('caf\u00c3\u00a9');
    expect(unquoteC(String.raw`\1a`)).toBe('\u0001a');
  });
});

describe('parseListingLine', () => {
  it.each([
    [
      '-rwsr-xr-x  0/0            1234 2026-11-26 01:41 "./usr/bin/su"',
      { name: './usr/bin/su', type: 'file', size: 1234 },
    ],
    [
      'lrwxrwxrwx  0/0               0 2026-11-26 01:41 "./bin" -> "usr/bin"',
      { name: './bin', type: 'symlink', linkName: 'usr/bin', size: 0 },
    ],
    [
      'hrwxr-xr-x  0/0               0 2022-04-10 02:22 "./usr/bin/gunzip" link to "./usr/bin/uncompress"',
      {
        name: './usr/bin/gunzip',
        type: 'hardlink',
        linkName: './usr/bin/uncompress',
        size: 0,
      },
    ],
    [
      'crw-rw-rw-  0/0             1,3 2026-11-26 01:41 "./dev/null"',
      { name: './dev/null', type: 'char', size: 0 },
    ],
    [
      '-rw-r--r--* 0/0               0 2026-11-26 04:00 "./cap"',
      { name: './cap', type: 'file', size: 0 },
    ],
    [
      'drwxr-xr-x  0/0               0 2026-11-26 01:41 "./a \\"b\\" -> c/"',
      { name: './a "b" -> c/', type: 'directory', size: 0 },
    ],
  ])('reads %s', (line, entry) => {
    expect(parseListingLine(line)).toEqual(entry);
  });

  it('skips the folders tar creates on its own', () => {
    expect(
      parseListingLine('drwxr-xr-x                  Creating directory: "abs"'),
    ).toBeUndefined();
  });

  it('fails closed on a line it cannot read', () => {
    expect(() => parseListingLine('something else')).toThrow(ArchiveError);
    expect(() =>
      parseListingLine(
        '-rw-r--r-- 0/0 0 2026-11-26 04:00 "f" -> "not a symlink"',
      ),
    ).toThrow(ArchiveError);
  });

  it('refuses member types a root filesystem does not have', () => {
    expect(() =>
      parseListingLine('Drw-r--r-- 0/0 0 2026-11-26 04:00 "dumpdir/"'),
    ).toThrow(UnsafeArchiveError);
  });
});

describe('unsafeArchiveWarning', () => {
  it("recognises GNU tar's notices about names it rewrote", () => {
    expect(
      unsafeArchiveWarning("tar: Removing leading `../' from hard link targets")
        ?.error.message,
    ).toBe(
      'unsafe archive: a hardlink target starts with "../", which points outside the root',
    );
    const absolute = unsafeArchiveWarning(
      "tar: Removing leading `/' from member names",
    );
    expect(absolute?.error).toBeInstanceOf(UnsafeArchiveError);
    expect(absolute?.final).toBe(false);
    expect(
      unsafeArchiveWarning(`tar: "a/../b": Member name contains '..'`)?.error
        .entry,
    ).toBe('a/../b');
    expect(
      unsafeArchiveWarning('tar: ./x: time stamp in the future'),
    ).toBeUndefined();
  });
});

describe('against GNU tar itself', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tar-listing-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every line tar prints for awkward names, folders, links and devices', () => {
    const src = join(dir, 'src');
    mkdirSync(join(src, 'sub dir'), { recursive: true });
    const names = ['new\nline', 'caf\u00e9', 'quote"d', 'back\\slash'];
    for (const n of names) writeFileSync(join(src, 'sub dir', n), 'x');
    execFileSync('ln', ['-s', '../target', join(src, 'sub dir', 'link')]);
    execFileSync('mknod', [join(src, 'null'), 'c', '1', '3']);
    const archive = join(dir, 'a.tar');
    execFileSync('tar', ['-c', '-f', archive, '-C', src, '.']);
    const out = join(dir, 'out');
    mkdirSync(out);
    const listing = execFileSync(
      'tar',
      ['-x', '-vv', '--quoting-style=c', '-f', archive, '-C', out],
      { env: { ...process.env, LC_ALL: 'C' } },
    ).toString('latin1');
    const entries = listing
      .split('\n')
      .filter(Boolean)
      .map((l) => parseListingLine(l));
    const latin1 = (s: string) => Buffer.from(s).toString('latin1');
    expect(entries.map((e) => e?.name).sort()).toEqual(
      [
        './',
        './null',
        './sub dir/',
        './sub dir/link',
        ...names.map((n) => `./sub dir/${latin1(n)}`),
      ].sort(),
    );
    expect(entries.find((e) => e?.type === 'symlink')?.linkName).toBe(
      '../target',
    );
    expect(entries.find((e) => e?.name === './null')?.type).toBe('char');
  });
});
