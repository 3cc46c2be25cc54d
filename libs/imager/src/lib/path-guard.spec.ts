import { UnsafeArchiveError } from './errors';
import { ArchivePathGuard, memberComponents } from './path-guard';
import type { TarEntry, TarEntryType } from './tar-stream';

function e(
  name: string,
  type: TarEntryType = 'file',
  linkName?: string,
): TarEntry {
  return {
    name,
    type,
    linkName,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    devMajor: 0,
    devMinor: 0,
    offset: 0,
  };
}

function run(entries: TarEntry[]): void {
  const g = new ArchivePathGuard();
  for (const x of entries) g.check(x);
}

describe('memberComponents', () => {
  it('normalises harmless spellings', () => {
    expect(memberComponents('./usr//bin/')).toEqual(['usr', 'bin']);
    expect(memberComponents('./')).toEqual([]);
    expect(memberComponents('a..b/..c')).toEqual(['a..b', '..c']);
  });
  it('refuses absolute names and ".." components', () => {
    expect(() => memberComponents('/etc/passwd')).toThrow(/absolute/);
    expect(() => memberComponents('./a/../../x')).toThrow(/"\.\."/);
    expect(() => memberComponents('..')).toThrow(UnsafeArchiveError);
  });
});

describe('ArchivePathGuard', () => {
  it('accepts a normal rootfs with merged-usr symlinks and entries beneath them', () => {
    expect(() =>
      run([
        e('./', 'directory'),
        e('./usr/', 'directory'),
        e('./usr/bin/', 'directory'),
        e('./bin', 'symlink', 'usr/bin'),
        e('./bin/sh', 'symlink', 'dash'),
        e('./usr/lib/x/y', 'symlink', '../../share/y'),
        e('./etc/localtime', 'symlink', '/usr/share/zoneinfo/UTC'),
        e('./etc/mtab', 'symlink', '../proc/self/mounts'),
        e('./usr/bin/perl5.36', 'hardlink', './usr/bin/perl'),
        e('./dev/null', 'char'),
      ]),
    ).not.toThrow();
  });

  it('refuses a "../" entry', () => {
    expect(() => run([e('./a'), e('../../tmp/evil')])).toThrow(/"\.\."/);
  });

  it('refuses an absolute entry', () => {
    expect(() => run([e('/etc/cron.d/evil')])).toThrow(/absolute/);
  });

  it('refuses a member beneath a symlink to an absolute path (symlink-then-file)', () => {
    expect(() =>
      run([e('./evil', 'symlink', '/etc'), e('./evil/cron.d/x')]),
    ).toThrow(/beneath symlink "evil" -> "\/etc"/);
  });

  it('refuses a member beneath a relative symlink that climbs out', () => {
    expect(() =>
      run([e('a/', 'directory'), e('a/up', 'symlink', '../..'), e('a/up/x')]),
    ).toThrow(/outside the root/);
  });

  it('follows symlink chains', () => {
    expect(() =>
      run([
        e('one', 'symlink', 'two'),
        e('two', 'symlink', 'three/..'),
        e('three/', 'directory'),
        e('one/x'),
      ]),
    ).not.toThrow();
    expect(() =>
      run([
        e('d/', 'directory'),
        e('d/one', 'symlink', 'two'),
        e('d/two', 'symlink', '../../x'),
        e('d/one/f'),
      ]),
    ).toThrow(UnsafeArchiveError);
  });

  it('refuses a symlink loop', () => {
    expect(() =>
      run([e('a', 'symlink', 'b'), e('b', 'symlink', 'a'), e('a/x')]),
    ).toThrow(/loop/);
  });

  it('refuses hardlinks whose target escapes by name or through a symlink', () => {
    expect(() => run([e('x', 'hardlink', '../etc/shadow')])).toThrow(
      /hardlink target/,
    );
    expect(() => run([e('x', 'hardlink', '/etc/shadow')])).toThrow(
      /absolute hardlink target/,
    );
    expect(() =>
      run([e('evil', 'symlink', '/etc'), e('x', 'hardlink', 'evil/shadow')]),
    ).toThrow(/hardlink target beneath symlink/);
  });

  it('refuses replacing an archive symlink with a file or directory', () => {
    expect(() =>
      run([e('evil', 'symlink', '/etc'), e('evil', 'directory')]),
    ).toThrow(/replaces a symlink/);
    expect(() =>
      run([e('l', 'symlink', 'x'), e('l', 'symlink', 'y')]),
    ).not.toThrow();
  });

  it('refuses a non-directory as the root itself', () => {
    expect(() => run([e('./', 'symlink', '/')])).toThrow(/extraction root/);
  });
});
