import type { AnsiSegment } from './ansi';

/**
 * Case-insensitive substring search over log lines. Matches are line indices in order;
 * `extend` searches only lines appended since the last call, so a live log stays cheap to search.
 */
export class LogSearch {
  private needle = '';
  private matches: number[] = [];
  private searchedUpTo = 0;
  private currentIndex = -1;

  get query(): string {
    return this.needle;
  }

  get count(): number {
    return this.matches.length;
  }

  /** Position of the current match in the match list (-1 when none). */
  get current(): number {
    return this.currentIndex;
  }

  /** Line index of the current match, or -1. */
  get currentLine(): number {
    return this.currentIndex < 0 ? -1 : this.matches[this.currentIndex];
  }

  /** Starts a new search. The current match is the first one at or after `fromLine`. */
  setQuery(query: string, lines: readonly string[], fromLine = 0): void {
    this.needle = query.toLowerCase();
    this.matches = [];
    this.searchedUpTo = 0;
    this.currentIndex = -1;
    this.extend(lines);
    if (this.matches.length > 0) {
      const at = this.matches.findIndex((line) => line >= fromLine);
      this.currentIndex = at < 0 ? 0 : at;
    }
  }

  /** Searches lines added since the last call. Returns true when new matches were found. */
  extend(lines: readonly string[]): boolean {
    if (this.needle === '') {
      this.searchedUpTo = lines.length;
      return false;
    }
    const before = this.matches.length;
    for (let i = this.searchedUpTo; i < lines.length; i++) {
      if (lines[i].toLowerCase().includes(this.needle)) this.matches.push(i);
    }
    this.searchedUpTo = lines.length;
    if (this.currentIndex < 0 && this.matches.length > 0) this.currentIndex = 0;
    return this.matches.length > before;
  }

  isMatch(line: number): boolean {
    return this.needle !== '' && binarySearch(this.matches, line) >= 0;
  }

  /** Moves to the next match (wrapping); returns its line index or -1. */
  next(): number {
    if (this.matches.length === 0) return -1;
    this.currentIndex = (this.currentIndex + 1) % this.matches.length;
    return this.matches[this.currentIndex];
  }

  /** Moves to the previous match (wrapping); returns its line index or -1. */
  previous(): number {
    if (this.matches.length === 0) return -1;
    this.currentIndex =
      (this.currentIndex - 1 + this.matches.length) % this.matches.length;
    return this.matches[this.currentIndex];
  }

  clear(): void {
    this.setQuery('', []);
  }
}

function binarySearch(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export interface MarkedSegment extends AnsiSegment {
  readonly match: boolean;
}

/**
 * Splits styled segments where `query` occurs in the line's text (case-insensitive), so a match
 * that spans colour changes is still highlighted as a whole.
 */
export function markMatches(
  segments: readonly AnsiSegment[],
  query: string,
): MarkedSegment[] {
  const ranges =
    query === ''
      ? []
      : matchRanges(segments.map((s) => s.text).join(''), query);
  if (ranges.length === 0) return segments.map((s) => ({ ...s, match: false }));
  const out: MarkedSegment[] = [];
  let offset = 0;
  let r = 0;
  for (const segment of segments) {
    const end = offset + segment.text.length;
    let pos = offset;
    while (pos < end) {
      while (r < ranges.length && ranges[r][1] <= pos) r++;
      const range = ranges[r];
      if (range === undefined || range[0] >= end) {
        out.push({
          text: segment.text.slice(pos - offset),
          style: segment.style,
          match: false,
        });
        pos = end;
      } else if (range[0] > pos) {
        out.push({
          text: segment.text.slice(pos - offset, range[0] - offset),
          style: segment.style,
          match: false,
        });
        pos = range[0];
      } else {
        const stop = Math.min(end, range[1]);
        out.push({
          text: segment.text.slice(pos - offset, stop - offset),
          style: segment.style,
          match: true,
        });
        pos = stop;
      }
    }
    offset = end;
  }
  return out;
}

function matchRanges(text: string, query: string): [number, number][] {
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const ranges: [number, number][] = [];
  for (
    let at = lower.indexOf(needle);
    at >= 0;
    at = lower.indexOf(needle, at + needle.length)
  ) {
    ranges.push([at, at + needle.length]);
  }
  return ranges;
}

/** Splits text into parts marking where `query` occurs (case-insensitive), for highlighting. */
export function splitMatches(
  text: string,
  query: string,
): { text: string; match: boolean }[] {
  if (query === '') return [{ text, match: false }];
  const lower = text.toLowerCase();
  const needle = query.toLowerCase();
  const parts: { text: string; match: boolean }[] = [];
  let from = 0;
  for (;;) {
    const at = lower.indexOf(needle, from);
    if (at < 0) break;
    if (at > from) parts.push({ text: text.slice(from, at), match: false });
    parts.push({ text: text.slice(at, at + needle.length), match: true });
    from = at + needle.length;
  }
  if (from < text.length || parts.length === 0)
    parts.push({ text: text.slice(from), match: false });
  return parts;
}
