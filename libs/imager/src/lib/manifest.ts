import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { memberComponents } from './path-guard';
import { TarStreamParser, type TarEntryType } from './tar-stream';

/** What an image must preserve about one path. */
export interface ManifestEntry {
  /** Relative to the root, "" for the root itself. */
  path: string;
  type: Exclude<TarEntryType, 'hardlink'>;
  uid: number;
  gid: number;
  /** Permission bits incl. setuid/setgid/sticky (07777). */
  mode: number;
  /** Regular files only; 0 otherwise. */
  size: number;
  /** Seconds; not recorded for symlinks (tar does not restore them). */
  mtime?: number;
  linkTarget?: string;
  devMajor?: number;
  devMinor?: number;
}

export interface Manifest {
  entries: ManifestEntry[];
  /** Sets of paths that are the same inode, each sorted, sorted by first path. */
  hardlinks: string[][];
}

function devParts(rdev: bigint): { major: number; minor: number } {
  // glibc's gnu_dev_major/minor encoding.
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

function finish(
  entries: ManifestEntry[],
  groups: Map<string, string[]>,
): Manifest {
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hardlinks = [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => [...g].sort())
    .sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1));
  return { entries, hardlinks };
}

/** Walks a directory without following symlinks or crossing into mounts. */
export async function manifestFromDirectory(root: string): Promise<Manifest> {
  const entries: ManifestEntry[] = [];
  const groups = new Map<string, string[]>();
  const rootDev = (await lstat(root, { bigint: true })).dev;
  const walk = async (rel: string): Promise<void> => {
    const abs = rel ? join(root, rel) : root;
    const st = await lstat(abs, { bigint: true });
    const mode = Number(st.mode & 0o7777n);
    const base = {
      path: rel,
      uid: Number(st.uid),
      gid: Number(st.gid),
      mode,
      size: 0,
    };
    const mtime = Number(st.mtimeMs / 1000n);
    if (st.isSymbolicLink()) {
      entries.push({
        ...base,
        type: 'symlink',
        linkTarget: await readlink(abs),
      });
    } else if (st.isDirectory()) {
      entries.push({ ...base, type: 'directory', mtime });
      if (st.dev !== rootDev) return;
      for (const name of (await readdir(abs)).sort())
        await walk(rel ? `${rel}/${name}` : name);
    } else if (st.isFile()) {
      entries.push({ ...base, type: 'file', size: Number(st.size), mtime });
      if (st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        groups.set(key, [...(groups.get(key) ?? []), rel]);
      }
    } else if (st.isCharacterDevice() || st.isBlockDevice()) {
      const { major, minor } = devParts(st.rdev);
      entries.push({
        ...base,
        type: st.isCharacterDevice() ? 'char' : 'block',
        mtime,
        devMajor: major,
        devMinor: minor,
      });
    } else if (st.isFIFO()) {
      entries.push({ ...base, type: 'fifo', mtime });
    }
    // Sockets are not archivable; tar skips them too.
  };
  await walk('');
  return finish(entries, groups);
}

/** The same manifest from a tar stream (hardlink members take their target's attributes). */
export async function manifestFromTarStream(tar: Readable): Promise<Manifest> {
  const byPath = new Map<string, ManifestEntry>();
  const groups = new Map<string, string[]>();
  const pendingLinks: { path: string; target: string }[] = [];
  const parser = new TarStreamParser((e) => {
    const path = memberComponents(e.name).join('/');
    if (e.type === 'hardlink') {
      pendingLinks.push({
        path,
        target: memberComponents(e.linkName ?? '').join('/'),
      });
      return;
    }
    const entry: ManifestEntry = {
      path,
      type: e.type,
      uid: e.uid,
      gid: e.gid,
      mode: e.mode,
      size: e.type === 'file' ? e.size : 0,
      ...(e.type === 'symlink'
        ? { linkTarget: e.linkName }
        : { mtime: e.mtime }),
      ...(e.type === 'char' || e.type === 'block'
        ? { devMajor: e.devMajor, devMinor: e.devMinor }
        : {}),
    };
    byPath.set(path, entry);
  });
  for await (const chunk of tar) parser.write(chunk as Buffer);
  parser.end();
  for (const { path, target } of pendingLinks) {
    const t = byPath.get(target);
    if (!t)
      throw new Error(
        `hardlink ${path} points to ${target}, which is not in the archive`,
      );
    byPath.set(path, { ...t, path });
    const g = groups.get(target) ?? [target];
    g.push(path);
    groups.set(target, g);
  }
  return finish([...byPath.values()], groups);
}
