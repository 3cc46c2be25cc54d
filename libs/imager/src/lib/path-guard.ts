import { UnsafeArchiveError } from './errors';
import type { TarEntry } from './tar-stream';

/** Linux gives up after 40 symlink hops (ELOOP); so do we. */
const MAX_SYMLINK_HOPS = 40;

/**
 * Splits a member name into components, refusing what could leave the
 * extraction folder by name alone: absolute paths and any ".." component.
 * "./a//b/" -> ["a", "b"]; "." and "./" -> [] (the root itself).
 */
export function memberComponents(name: string, what = 'path'): string[] {
  if (name.startsWith('/')) {
    throw new UnsafeArchiveError(name, `has an absolute ${what}`);
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new UnsafeArchiveError(name, `has a ".." component in its ${what}`);
  }
  return parts;
}

/**
 * Decides, entry by entry in archive order, whether extracting
 * it could create or modify anything outside the extraction root.
 *
 * Names are refused when absolute or containing "..". That is not enough:
 * an archive can first create a symlink ("evil -> /etc") and then a member
 * beneath it ("evil/cron.d/x") which the kernel resolves through the symlink.
 * So the guard remembers every symlink the archive creates and resolves each
 * later member's parent directories (and hardlink targets) through them, the
 * way the kernel would, refusing when the walk leaves the root: an absolute
 * symlink target, or ".." climbing above the root. In-tree symlinks such as
 * Debian's merged-usr "bin -> usr/bin" resolve inside and are allowed.
 */
export class ArchivePathGuard {
  /** Resolved path ("a/b") -> symlink target, for symlinks this archive created. */
  private readonly symlinks = new Map<string, string>();

  check(entry: Pick<TarEntry, 'name' | 'type' | 'linkName'>): void {
    const parts = memberComponents(entry.name);
    if (parts.length === 0) {
      if (entry.type !== 'directory') {
        throw new UnsafeArchiveError(
          entry.name,
          'is the extraction root but not a directory',
        );
      }
      return;
    }
    const leaf = parts[parts.length - 1] as string;
    const parent = this.resolve(parts.slice(0, -1), entry.name);
    const resolved = [...parent, leaf].join('/');

    if (entry.type === 'hardlink') {
      const target = memberComponents(entry.linkName ?? '', 'hardlink target');
      if (target.length === 0) {
        throw new UnsafeArchiveError(
          entry.name,
          'is a hardlink to the extraction root',
        );
      }
      // link(2) follows symlinks in the target's directories but not its last component.
      this.resolve(target.slice(0, -1), entry.name, 'hardlink target');
    }

    if (this.symlinks.has(resolved)) {
      if (entry.type === 'symlink') {
        this.symlinks.set(resolved, entry.linkName ?? '');
        return;
      }
      // Depending on options tar may replace or follow the existing symlink; refuse both.
      throw new UnsafeArchiveError(
        entry.name,
        'replaces a symlink created earlier in the archive',
      );
    }
    if (entry.type === 'symlink')
      this.symlinks.set(resolved, entry.linkName ?? '');
  }

  /** Resolves directory components through the archive's symlinks; throws when the walk escapes. */
  private resolve(
    components: string[],
    entryName: string,
    what = 'path',
  ): string[] {
    const out: string[] = [];
    const todo = [...components];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        if (out.length === 0) {
          throw new UnsafeArchiveError(
            entryName,
            `has a ${what} that leads outside the root through a symlink`,
          );
        }
        out.pop();
        continue;
      }
      const candidate = [...out, c].join('/');
      const target = this.symlinks.get(candidate);
      if (target === undefined) {
        out.push(c);
        continue;
      }
      if (++hops > MAX_SYMLINK_HOPS) {
        throw new UnsafeArchiveError(
          entryName,
          `has a ${what} through a symlink loop`,
        );
      }
      if (target.startsWith('/')) {
        // On the host an absolute target points outside the rootfs.
        throw new UnsafeArchiveError(
          entryName,
          `has a ${what} beneath symlink "${candidate}" -> "${target}" that points outside the root`,
        );
      }
      todo.unshift(...target.split('/'));
    }
    return out;
  }
}
