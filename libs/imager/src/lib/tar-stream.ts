import { ArchiveError } from './errors';

export type TarEntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'directory'
  | 'fifo';

/** One member of a tar archive, after GNU long-name and pax overrides. */
export interface TarEntry {
  /** Name as stored (may start with "./" or "/"). */
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** Symlink target or hardlink target (an archive member name). */
  linkName?: string;
  devMajor: number;
  devMinor: number;
  /** Byte offset of the header in the uncompressed stream. */
  offset: number;
}

const BLOCK = 512;

function cString(buf: Buffer, start: number, len: number): string {
  const field = buf.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function numeric(buf: Buffer, start: number, len: number): number {
  const field = buf.subarray(start, start + len);
  if ((field[0] ?? 0) & 0x80) {
    let v = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + (field[i] ?? 0);
    return v;
  }
  const s = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function headerChecksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++)
    sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return sum === numeric(h, 148, 8);
}

/** Parses "%d key=value\n" pax records. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(data.subarray(pos, space).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) {
      throw new ArchiveError('corrupt pax extended header');
    }
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  S: 'file', // GNU sparse: stored data length is in the header
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  D: 'directory', // GNU dumpdir
  '6': 'fifo',
};

type State =
  | { kind: 'header' }
  | { kind: 'skip'; remaining: number }
  | {
      kind: 'collect';
      remaining: number;
      pad: number;
      parts: Buffer[];
      meta: 'pax' | 'global' | 'longname' | 'longlink';
    }
  | { kind: 'sparse-ext' }
  | { kind: 'end' };

/**
 * Incremental tar header parser: feed it the uncompressed stream in chunks of
 * any size; it calls onEntry for each member *before* write() returns, so a
 * caller that forwards a chunk only after write() returned has vetted every
 * header in it. Only headers are inspected; file data is skipped by counting.
 */
export class TarStreamParser {
  private state: State = { kind: 'header' };
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private offset = 0;
  private zeroBlocks = 0;
  private pax = new Map<string, string>();
  private longName?: string;
  private longLink?: string;
  private pendingSparseData = 0;
  bytes = 0;
  entries = 0;

  constructor(private readonly onEntry: (e: TarEntry) => void) {}

  get ended(): boolean {
    return this.state.kind === 'end';
  }

  write(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      const st = this.state;
      switch (st.kind) {
        case 'end':
          return; // trailing padding after the end-of-archive marker
        case 'skip': {
          const n = Math.min(st.remaining, chunk.length - pos);
          st.remaining -= n;
          pos += n;
          this.offset += n;
          if (st.remaining === 0) this.state = { kind: 'header' };
          break;
        }
        case 'collect': {
          const n = Math.min(st.remaining, chunk.length - pos);
          st.parts.push(Buffer.from(chunk.subarray(pos, pos + n)));
          st.remaining -= n;
          pos += n;
          this.offset += n;
          if (st.remaining === 0) {
            this.finishMeta(st.meta, Buffer.concat(st.parts));
            this.state =
              st.pad > 0
                ? { kind: 'skip', remaining: st.pad }
                : { kind: 'header' };
          }
          break;
        }
        case 'header':
        case 'sparse-ext': {
          const n = Math.min(BLOCK - this.headerFill, chunk.length - pos);
          chunk.copy(this.header, this.headerFill, pos, pos + n);
          this.headerFill += n;
          pos += n;
          if (this.headerFill === BLOCK) {
            this.headerFill = 0;
            const start = this.offset;
            this.offset += BLOCK;
            if (st.kind === 'sparse-ext') {
              // Old GNU sparse maps continue while the "isextended" byte is set.
              if (this.header[504] === 0) {
                const data = this.pendingSparseData;
                this.state =
                  data > 0
                    ? { kind: 'skip', remaining: data }
                    : { kind: 'header' };
              }
            } else {
              this.onHeader(this.header, start);
            }
          }
          break;
        }
      }
    }
  }

  /** Call at end of input: a tar stream that stops mid-member is corrupt. */
  end(): void {
    if (this.state.kind === 'end') return;
    const clean = this.state.kind === 'header' && this.headerFill === 0;
    if (!clean || this.entries === 0) {
      throw new ArchiveError(
        this.entries === 0
          ? 'archive is empty or not a tar stream'
          : `archive is truncated (stream ends inside a member at byte ${this.offset})`,
      );
    }
    // Missing end-of-archive blocks: GNU tar accepts that with a warning; so do we.
  }

  private onHeader(h: Buffer, start: number): void {
    if (h.every((b) => b === 0)) {
      this.zeroBlocks++;
      if (this.zeroBlocks >= 2) this.state = { kind: 'end' };
      return;
    }
    this.zeroBlocks = 0;
    if (!headerChecksumOk(h)) {
      throw new ArchiveError(
        `corrupt tar header at byte ${start} (bad checksum)`,
      );
    }
    const typeflag = String.fromCharCode(h[156] ?? 0);
    let size = numeric(h, 124, 12);
    const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;
    const meta: Record<string, 'pax' | 'global' | 'longname' | 'longlink'> = {
      x: 'pax',
      g: 'global',
      L: 'longname',
      K: 'longlink',
    };
    const metaKind = meta[typeflag];
    if (metaKind) {
      if (size > 64 * 1024 * 1024) {
        throw new ArchiveError(
          `implausibly large tar extended header (${size} bytes) at byte ${start}`,
        );
      }
      this.state =
        size === 0
          ? { kind: 'header' }
          : {
              kind: 'collect',
              remaining: size,
              pad: padded(size) - size,
              parts: [],
              meta: metaKind,
            };
      if (size === 0) this.finishMeta(metaKind, Buffer.alloc(0));
      return;
    }
    if (typeflag === 'M') {
      throw new ArchiveError(
        `multi-volume tar archives are not supported (byte ${start})`,
      );
    }
    if (typeflag === 'V') {
      // Volume label: GNU tar does not extract it; just skip its (empty) data.
      this.state =
        size > 0
          ? { kind: 'skip', remaining: padded(size) }
          : { kind: 'header' };
      return;
    }

    const magic = h.subarray(257, 263).toString('latin1');
    let name = cString(h, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cString(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let linkName = cString(h, 157, 100);
    if (this.longName !== undefined) name = this.longName;
    if (this.longLink !== undefined) linkName = this.longLink;
    const pax = this.pax;
    name = pax.get('path') ?? name;
    linkName = pax.get('linkpath') ?? linkName;
    const paxSize = pax.get('size');
    if (paxSize !== undefined) size = Number(paxSize);
    const num = (key: string, fallback: number) => {
      const v = pax.get(key);
      return v === undefined ? fallback : Number(v);
    };
    const type = TYPES[typeflag] ?? 'file'; // GNU tar extracts unknown types as regular files
    const entry: TarEntry = {
      name,
      type,
      mode: numeric(h, 100, 8) & 0o7777,
      uid: num('uid', numeric(h, 108, 8)),
      gid: num('gid', numeric(h, 116, 8)),
      size:
        type === 'hardlink' || type === 'symlink' || type === 'directory'
          ? 0
          : size,
      mtime: Math.floor(num('mtime', numeric(h, 136, 12))),
      linkName:
        type === 'hardlink' || type === 'symlink' ? linkName : undefined,
      devMajor: type === 'char' || type === 'block' ? numeric(h, 329, 8) : 0,
      devMinor: type === 'char' || type === 'block' ? numeric(h, 337, 8) : 0,
      offset: start,
    };
    this.pax = new Map();
    this.longName = undefined;
    this.longLink = undefined;
    this.entries++;
    this.onEntry(entry);

    // Data follows for everything but links and devices (dumpdir data counts too).
    const dataLen =
      typeflag === '1' ||
      typeflag === '2' ||
      typeflag === '3' ||
      typeflag === '4' ||
      typeflag === '6' ||
      (typeflag === '5' && size === 0)
        ? 0
        : size;
    if (typeflag === 'S' && h[482] !== 0) {
      this.state = { kind: 'sparse-ext' };
      // The data follows the extension blocks; remember its length.
      this.pendingSparseData = padded(dataLen);
      return;
    }
    this.state =
      dataLen > 0
        ? { kind: 'skip', remaining: padded(dataLen) }
        : { kind: 'header' };
  }

  private finishMeta(
    kind: 'pax' | 'global' | 'longname' | 'longlink',
    data: Buffer,
  ): void {
    switch (kind) {
      case 'pax':
        this.pax = parsePax(data);
        break;
      case 'global':
        break; // global defaults for path/linkpath make no sense; GNU tar ignores them too
      case 'longname':
        this.longName = cString(data, 0, data.length);
        break;
      case 'longlink':
        this.longLink = cString(data, 0, data.length);
        break;
    }
  }
}
