import type { ImageStatus } from '../images/image';
import { IMAGE_STATUSES } from '../images/image';

/** Default cap of a build log (job.logMaxBytes); past it the log ends with a truncation line. */
export const DEFAULT_LOG_MAX_BYTES = 64 * 1024 * 1024;

/**
 * One entry of the Redis log stream `redisKeys.logStream(imageId)`, as a flat
 * field/value list (what XADD takes and XRANGE/XREAD return).
 *
 * - a batch: `seq <first line's sequence number> lines <JSON string[]>`
 * - the end: `end 1 status <ImageStatus> lastSeq <n> truncated 0|1`
 */
export type LogStreamEntry =
  | { kind: 'lines'; seq: number; lines: string[] }
  | {
      kind: 'end';
      status: ImageStatus;
      lastSeq: number;
      truncated: boolean;
    };

export function encodeLogStreamEntry(entry: LogStreamEntry): string[] {
  if (entry.kind === 'lines') {
    return ['seq', String(entry.seq), 'lines', JSON.stringify(entry.lines)];
  }
  return [
    'end',
    '1',
    'status',
    entry.status,
    'lastSeq',
    String(entry.lastSeq),
    'truncated',
    entry.truncated ? '1' : '0',
  ];
}

/** Parses XRANGE/XREAD fields; unknown shapes give null (ignored by readers). */
export function decodeLogStreamEntry(fields: string[]): LogStreamEntry | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2)
    map.set(fields[i], fields[i + 1]);
  if (map.has('end')) {
    const status = map.get('status') as ImageStatus | undefined;
    if (!status || !IMAGE_STATUSES.includes(status)) return null;
    return {
      kind: 'end',
      status,
      lastSeq: Number(map.get('lastSeq') ?? 0),
      truncated: map.get('truncated') === '1',
    };
  }
  const seq = Number(map.get('seq'));
  const raw = map.get('lines');
  if (!Number.isInteger(seq) || seq < 1 || raw === undefined) return null;
  try {
    const lines: unknown = JSON.parse(raw);
    if (!Array.isArray(lines) || !lines.every((l) => typeof l === 'string')) {
      return null;
    }
    return { kind: 'lines', seq, lines: lines as string[] };
  } catch {
    return null;
  }
}

/** The line that ends a log cut at `maxBytes`. */
export function logTruncationLine(maxBytes: number): string {
  return `[velociraptor] log truncated: it reached the limit of ${formatBytes(maxBytes)}; further output was discarded (the build went on)`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** "1h 0m", "2m 5s", "45s": how people read a build timeout. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return rest ? `${m}m ${rest}s` : `${m}m`;
  return `${rest}s`;
}
