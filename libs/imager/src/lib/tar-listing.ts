import { ArchiveError, UnsafeArchiveError } from './errors';
import type { TarEntryType } from './tar-stream';

/**
 * Reads what GNU tar prints while it extracts with `-vv --quoting-style=c`
 * under `LC_ALL=C`: one `ls -l`-style line per member, names C-quoted
 * ("a\nb", octal escapes for every non-ASCII byte), e.g.
 *
 *   -rwsr-xr-x  0/0   1234 2026-11-26 01:41 "./usr/bin/su"
 *   lrwxrwxrwx  0/0      0 2026-11-26 01:41 "./bin" -> "usr/bin"
 *   hrwxr-xr-x  0/0      0 2022-04-10 02:22 "./usr/bin/gunzip" link to "./usr/bin/uncompress"
 *   crw-rw-rw-  0/0    1,3 2026-11-26 01:41 "./dev/null"
 *
 * Names are the ones stored in the archive (not what tar made of them), so
 * the path guard sees an absolute or ".."-laden name exactly as written.
 */
export interface ListedEntry {
  name: string;
  type: TarEntryType;
  /** Symlink target, or the member a hardlink points at. */
  linkName?: string;
  /** Content bytes (0 for devices, links and directories). */
  size: number;
}

const TYPE_CHARS: Record<string, TarEntryType> = {
  '-': 'file',
  C: 'file', // contiguous: extracted as a regular file
  '?': 'file', // unknown type flags: GNU tar extracts them as regular files
  h: 'hardlink',
  l: 'symlink',
  c: 'char',
  b: 'block',
  d: 'directory',
  p: 'fifo',
};

const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const ENTRY = new RegExp(
  String.raw`^(.)\S{9}[*+.]? +\S+ +(\S+) +.*? ${QUOTED}(?: (->|link to) ${QUOTED})?$`,
);
/** With -vv tar also reports the parent folders it creates for a member. */
const CREATING_DIRECTORY = /^\S+ +Creating directory: "/;
const DOTDOT_NOTICE = new RegExp(
  String.raw`^tar: ${QUOTED}: Member name contains '\.\.'$`,
);

const ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
};

/**
 * Undoes GNU quotearg's C quoting. Octal escapes are raw bytes, so the result
 * is latin1 — one character per byte — which keeps distinct names distinct
 * whatever their encoding; "/" and "." are the same in every reading.
 */
export function unquoteC(quoted: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < quoted.length; i++) {
    const ch = quoted.charCodeAt(i);
    if (quoted[i] !== '\\') {
      bytes.push(ch & 0xff);
      continue;
    }
    const next = quoted[++i] ?? '';
    const octal = /^[0-7]{1,3}/.exec(quoted.slice(i, i + 3));
    if (octal) {
      bytes.push(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length - 1;
    } else if (next in ESCAPES) {
      bytes.push(ESCAPES[next] as number);
    } else {
      bytes.push(next.charCodeAt(0) & 0xff); // \\ \" \? and the like
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

/** One listing line -> the member it describes; undefined for lines that describe no member. */
export function parseListingLine(line: string): ListedEntry | undefined {
  if (line === '' || CREATING_DIRECTORY.test(line)) return undefined;
  const m = ENTRY.exec(line);
  if (!m) {
    // Fail closed: a member we cannot read is a member we cannot vet.
    throw new ArchiveError(`cannot read tar's listing line: ${line}`);
  }
  const [, typeChar = '', size = '', name = '', linkKind, link] = m;
  if (typeChar === 'V') return undefined; // a volume label, nothing is extracted
  const type = TYPE_CHARS[typeChar];
  if (!type) {
    throw new UnsafeArchiveError(
      unquoteC(name),
      `has a member type tar lists as "${typeChar}", which a root filesystem does not contain`,
    );
  }
  const entry: ListedEntry = {
    name: unquoteC(name),
    type,
    size: /^\d+$/.test(size) ? Number(size) : 0,
  };
  if (link !== undefined) {
    if ((linkKind === '->') !== (type === 'symlink'))
      throw new ArchiveError(`cannot read tar's listing line: ${line}`);
    entry.linkName = unquoteC(link);
  }
  return entry;
}

export interface UnsafeWarning {
  error: UnsafeArchiveError;
  /**
   * False for "Removing leading ... from member names": the listing or a
   * "Member name contains '..'" line names the member right after, which makes
   * the better message; this one is the safety net should neither come.
   */
  final: boolean;
}

/**
 * GNU tar rewrites unsafe names instead of failing (it strips a leading "/"
 * or "../" from member names and hardlink targets, and skips members with
 * ".." inside) and says so on stderr. Hardlink targets only show up in the
 * listing after that rewrite, so these messages are how such an archive is
 * recognised and refused. Returns the refusal, or undefined for other lines.
 */
export function unsafeArchiveWarning(line: string): UnsafeWarning | undefined {
  const leading =
    /^tar: Removing leading `(.*)' from (member names|hard link targets)$/.exec(
      line,
    );
  if (leading) {
    const [, prefix = '', what = ''] = leading;
    const hardlink = what === 'hard link targets';
    return {
      error: new UnsafeArchiveError(
        undefined,
        `${hardlink ? 'a hardlink target' : 'a member name'} starts with "${prefix}", which points outside the root`,
      ),
      final: hardlink,
    };
  }
  const dotdot = DOTDOT_NOTICE.exec(line);
  if (dotdot) {
    return {
      error: new UnsafeArchiveError(
        unquoteC(dotdot[1] ?? ''),
        'has a ".." component in its path',
      ),
      final: true,
    };
  }
  return undefined;
}
