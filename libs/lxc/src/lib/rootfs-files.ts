import { execFile } from 'node:child_process';
import {
  lchown,
  lstat,
  mkdir,
  readlink,
  rmdir,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import { LxcInputError } from './errors';

/**
 * One change we made inside a rootfs so LXC can bind-mount onto it, recorded
 * so it can be undone (also by a later process after a crash).
 */
export type RootfsChange =
  | { op: 'created-dir'; path: string }
  | { op: 'created-file'; path: string }
  | {
      op: 'replaced-symlink';
      path: string;
      linkTarget: string;
      uid: number;
      gid: number;
    }
  /** Times as nanoseconds since the epoch (decimal strings: a double cannot hold them exactly). */
  | { op: 'parent-times'; path: string; atimeNs: string; mtimeNs: string };

export type MountKind = 'file' | 'dir';

export class UnsafePathError extends LxcInputError {}

/**
 * Path components of an absolute in-container path, refusing '..' so the
 * result can never point outside the rootfs lexically.
 */
export function containerPathParts(path: string): string[] {
  if (!path.startsWith('/'))
    throw new LxcInputError(`container path must be absolute, got '${path}'`);
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new LxcInputError(
      `container path must not contain '..', got '${path}'`,
    );
  return parts;
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Checks that every directory between the rootfs and `parts` (excluding the
 * last part) is a real directory, not a symlink: the image is untrusted and
 * we run as root, so following a link could touch the host.
 * Returns the index of the first missing component, or parts.length - 1.
 */
async function checkParents(rootfs: string, parts: string[]): Promise<number> {
  let current = rootfs;
  for (let i = 0; i < parts.length - 1; i++) {
    current = posix.join(current, parts[i]);
    const st = await lstatOrNull(current);
    if (st === null) return i;
    if (st.isSymbolicLink()) {
      throw new UnsafePathError(
        `${posix.join('/', ...parts.slice(0, i + 1))} is a symlink in the rootfs; refusing to follow it`,
      );
    }
    if (!st.isDirectory()) {
      throw new UnsafePathError(
        `${posix.join('/', ...parts.slice(0, i + 1))} in the rootfs is not a directory`,
      );
    }
  }
  return parts.length - 1;
}

/** lstat of a path inside the rootfs without following symlinks in its parents; null if missing. */
export async function lstatInRootfs(
  rootfs: string,
  path: string,
): Promise<Stats | null> {
  const parts = containerPathParts(path);
  if (parts.length === 0) return lstat(rootfs);
  try {
    if ((await checkParents(rootfs, parts)) < parts.length - 1) return null;
  } catch (err) {
    if (err instanceof UnsafePathError) return null;
    throw err;
  }
  return lstatOrNull(posix.join(rootfs, ...parts));
}

/**
 * Makes `target` exist in the rootfs as a plain file or directory so LXC can
 * mount onto it, recording every change in `changes`. A symlinked file is
 * swapped for an empty file only when `replaceSymlink` (e.g. a resolv.conf
 * pointing at systemd-resolved); LXC would refuse the symlink otherwise.
 */
export async function prepareMountTarget(
  rootfs: string,
  target: string,
  kind: MountKind,
  changes: RootfsChange[],
  replaceSymlink = false,
): Promise<void> {
  const parts = containerPathParts(target);
  if (parts.length === 0)
    throw new LxcInputError('cannot mount onto the container root');
  const firstMissing = await checkParents(rootfs, parts);
  for (let i = firstMissing; i < parts.length - 1; i++) {
    const dir = posix.join(rootfs, ...parts.slice(0, i + 1));
    await rememberParentTimes(dir, changes);
    await mkdir(dir, { mode: 0o755 });
    changes.push({ op: 'created-dir', path: dir });
  }
  const full = posix.join(rootfs, ...parts);
  const st = await lstatOrNull(full);
  if (st === null) {
    await rememberParentTimes(full, changes);
    if (kind === 'dir') {
      await mkdir(full, { mode: 0o755 });
      changes.push({ op: 'created-dir', path: full });
    } else {
      await writeFile(full, '', { mode: 0o644, flag: 'wx' });
      changes.push({ op: 'created-file', path: full });
    }
    return;
  }
  if (st.isSymbolicLink()) {
    if (kind !== 'file' || !replaceSymlink) {
      throw new UnsafePathError(
        `mount target ${target} is a symlink in the rootfs`,
      );
    }
    const linkTarget = await readlink(full);
    await rememberParentTimes(full, changes);
    // Record first: if we die between unlink and restore, the journal still knows the link.
    changes.push({
      op: 'replaced-symlink',
      path: full,
      linkTarget,
      uid: st.uid,
      gid: st.gid,
    });
    await unlink(full);
    await writeFile(full, '', { mode: 0o644, flag: 'wx' });
    return;
  }
  if (kind === 'dir' && !st.isDirectory()) {
    throw new LxcInputError(
      `mount target ${target} exists in the rootfs but is not a directory`,
    );
  }
  if (kind === 'file' && st.isDirectory()) {
    throw new LxcInputError(
      `mount target ${target} is a directory in the rootfs but the source is a file`,
    );
  }
}

async function rememberParentTimes(
  path: string,
  changes: RootfsChange[],
): Promise<void> {
  const parent = posix.dirname(path);
  if (changes.some((c) => c.op === 'parent-times' && c.path === parent)) return;
  if (changes.some((c) => c.op === 'created-dir' && c.path === parent)) return;
  const st = await lstat(parent, { bigint: true });
  changes.push({
    op: 'parent-times',
    path: parent,
    atimeNs: st.atimeNs.toString(),
    mtimeNs: st.mtimeNs.toString(),
  });
}

/**
 * Undoes `changes` newest first. Keeps going on errors and returns their
 * messages, so one stubborn path does not leave the rest modified. Refuses
 * to act through a symlinked parent: the container may have rearranged the
 * rootfs while it ran.
 */
export async function restoreRootfs(
  rootfs: string,
  changes: readonly RootfsChange[],
): Promise<string[]> {
  const problems: string[] = [];
  const restore = async (change: RootfsChange): Promise<void> => {
    try {
      const rel = posix.relative(rootfs, change.path);
      // Only the times of the rootfs directory itself may name the rootfs.
      if (
        (rel === '' && change.op !== 'parent-times') ||
        rel.startsWith('..') ||
        posix.isAbsolute(rel)
      ) {
        throw new Error(`path ${change.path} is outside the rootfs`);
      }
      if (rel !== '') await checkParents(rootfs, rel.split('/'));
      await undo(change);
    } catch (err) {
      problems.push(
        `could not restore ${change.path} (${change.op}): ${(err as Error).message}`,
      );
    }
  };
  // Entries first, newest first; then the folders' times, all at once: only
  // adding or removing entries moves a folder's times, and those are done by then.
  const reversed = [...changes].reverse();
  for (const change of reversed)
    if (change.op !== 'parent-times') await restore(change);
  await Promise.all(
    reversed.filter((c) => c.op === 'parent-times').map(restore),
  );
  return problems;
}

async function undo(change: RootfsChange): Promise<void> {
  switch (change.op) {
    case 'created-dir':
      // Fails (and is reported) if the container left files in it.
      await rmdirIfExists(change.path);
      return;
    case 'created-file':
      await unlinkIfNotDir(change.path);
      return;
    case 'replaced-symlink': {
      await unlinkIfNotDir(change.path);
      await symlink(change.linkTarget, change.path);
      await lchown(change.path, change.uid, change.gid);
      return;
    }
    case 'parent-times': {
      const st = await lstatOrNull(change.path);
      if (st?.isDirectory())
        await setTimesNs(change.path, change.atimeNs, change.mtimeNs);
      return;
    }
  }
}

async function rmdirIfExists(path: string): Promise<void> {
  const st = await lstatOrNull(path);
  if (st === null) return;
  if (!st.isDirectory()) throw new Error('no longer a directory');
  await rmdir(path);
}

async function unlinkIfNotDir(path: string): Promise<void> {
  const st = await lstatOrNull(path);
  if (st === null) return;
  if (st.isDirectory()) throw new Error('replaced by a directory');
  await unlink(path);
}

/**
 * fs.utimes takes seconds as a double and loses the nanoseconds; GNU touch
 * takes them exactly, so the restored directory is bit-for-bit unchanged.
 */
async function setTimesNs(
  path: string,
  atimeNs: string,
  mtimeNs: string,
): Promise<void> {
  const stamp = (ns: string): string => {
    const n = BigInt(ns);
    return `@${n / 1_000_000_000n}.${(n % 1_000_000_000n).toString().padStart(9, '0')}`;
  };
  // Two touches (atime, mtime) that leave each other's time alone: they may run together.
  await Promise.all([
    touch(['-c', '-h', '-a', '-d', stamp(atimeNs), '--', path]),
    touch(['-c', '-h', '-m', '-d', stamp(mtimeNs), '--', path]),
  ]);
}

function touch(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('touch', args, (err, _stdout, stderr) => {
      if (err)
        reject(new Error(`touch failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}
