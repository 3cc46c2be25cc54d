import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  containerPathParts,
  lstatInRootfs,
  prepareMountTarget,
  restoreRootfs,
  type RootfsChange,
} from './rootfs-files';

describe('rootfs mount targets', () => {
  let root: string;
  let outside: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lxc-rootfs-spec-'));
    outside = await mkdtemp(join(tmpdir(), 'lxc-outside-spec-'));
    await mkdir(join(root, 'etc'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('creates a missing file and removes it again, restoring the parent times', async () => {
    const past = new Date('2020-01-02T03:04:05Z');
    await utimes(join(root, 'etc'), past, past);
    const changes: RootfsChange[] = [];
    await prepareMountTarget(root, '/etc/hosts', 'file', changes, true);
    expect((await lstat(join(root, 'etc/hosts'))).isFile()).toBe(true);
    expect(await restoreRootfs(root, changes)).toEqual([]);
    await expect(lstat(join(root, 'etc/hosts'))).rejects.toThrow(/ENOENT/);
    expect((await lstat(join(root, 'etc'))).mtime.toISOString()).toBe(
      past.toISOString(),
    );
  });

  it('swaps a symlinked file for a regular one and restores the link', async () => {
    await symlink(
      '../run/systemd/resolve/stub-resolv.conf',
      join(root, 'etc/resolv.conf'),
    );
    const changes: RootfsChange[] = [];
    await prepareMountTarget(root, '/etc/resolv.conf', 'file', changes, true);
    expect((await lstat(join(root, 'etc/resolv.conf'))).isFile()).toBe(true);
    expect(await restoreRootfs(root, changes)).toEqual([]);
    expect(await readlink(join(root, 'etc/resolv.conf'))).toBe(
      '../run/systemd/resolve/stub-resolv.conf',
    );
  });

  it('leaves an existing regular file untouched', async () => {
    await writeFile(join(root, 'etc/resolv.conf'), 'nameserver 1.1.1.1\n');
    const changes: RootfsChange[] = [];
    await prepareMountTarget(root, '/etc/resolv.conf', 'file', changes, true);
    expect(changes).toEqual([]);
    expect(await readFile(join(root, 'etc/resolv.conf'), 'utf8')).toBe(
      'nameserver 1.1.1.1\n',
    );
  });

  it('creates missing directories for a directory target and removes them all', async () => {
    const changes: RootfsChange[] = [];
    await prepareMountTarget(root, '/var/cache/build', 'dir', changes);
    expect((await lstat(join(root, 'var/cache/build'))).isDirectory()).toBe(
      true,
    );
    expect(await restoreRootfs(root, changes)).toEqual([]);
    await expect(lstat(join(root, 'var'))).rejects.toThrow(/ENOENT/);
  });

  it('never follows a symlinked parent out of the rootfs', async () => {
    await symlink(outside, join(root, 'data'));
    await expect(
      prepareMountTarget(root, '/data/x', 'dir', []),
    ).rejects.toThrow(/symlink/);
    await expect(lstat(join(outside, 'x'))).rejects.toThrow(/ENOENT/);
    expect(await lstatInRootfs(root, '/data/x')).toBeNull();
  });

  it('refuses to restore through a parent the container replaced by a symlink', async () => {
    const changes: RootfsChange[] = [];
    await prepareMountTarget(root, '/etc/hosts', 'file', changes, true);
    await rm(join(root, 'etc'), { recursive: true });
    await writeFile(join(outside, 'hosts'), 'host file');
    await symlink(outside, join(root, 'etc'));
    const problems = await restoreRootfs(root, changes);
    expect(problems.join('\n')).toMatch(/symlink/);
    expect(await readFile(join(outside, 'hosts'), 'utf8')).toBe('host file');
  });

  it('refuses a symlinked directory target and a type mismatch', async () => {
    await symlink('/', join(root, 'mnt'));
    await expect(prepareMountTarget(root, '/mnt', 'dir', [])).rejects.toThrow(
      /symlink/,
    );
    await expect(prepareMountTarget(root, '/etc', 'file', [])).rejects.toThrow(
      /directory/,
    );
  });

  it('splits container paths and refuses ..', () => {
    expect(containerPathParts('/etc//./hosts')).toEqual(['etc', 'hosts']);
    expect(() => containerPathParts('/etc/../../x')).toThrow(/\.\./);
    expect(() => containerPathParts('etc')).toThrow(/absolute/);
  });
});
