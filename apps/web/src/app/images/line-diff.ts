/**
 * Line diff (Myers' O((N+M)·D) algorithm) for comparing an image's provisioning script with the
 * previous image's. Pure and synchronous; scripts are at most 1 MiB.
 */

export type DiffKind = 'same' | 'add' | 'del';

export interface DiffLine {
  readonly kind: DiffKind;
  readonly text: string;
  /** 1-based line number in the old text (absent for added lines). */
  readonly oldLine?: number;
  /** 1-based line number in the new text (absent for deleted lines). */
  readonly newLine?: number;
}

export interface DiffHunk {
  readonly oldStart: number;
  readonly oldCount: number;
  readonly newStart: number;
  readonly newCount: number;
  readonly lines: DiffLine[];
}

/** Past this many edits the trace would grow too large; we then report "everything replaced". */
const DEFAULT_MAX_EDITS = 4000;

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  // A final newline ends the last line rather than starting an empty one.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Diffs two texts line by line. */
export function diffText(
  oldText: string,
  newText: string,
  maxEdits = DEFAULT_MAX_EDITS,
): DiffLine[] {
  return diffLines(splitLines(oldText), splitLines(newText), maxEdits);
}

/** Diffs two arrays of lines; the result lists every line of both, in order. */
export function diffLines(
  a: readonly string[],
  b: readonly string[],
  maxEdits = DEFAULT_MAX_EDITS,
): DiffLine[] {
  // The common prefix and suffix need no search, and trimming them keeps D small for typical edits.
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix])
    prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix++;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < prefix; i++)
    out.push({ kind: 'same', text: a[i], oldLine: i + 1, newLine: i + 1 });
  const middle = myers(
    a.slice(prefix, a.length - suffix),
    b.slice(prefix, b.length - suffix),
    maxEdits,
  );
  let oldNo = prefix;
  let newNo = prefix;
  for (const op of middle) {
    if (op.kind === 'same')
      out.push({
        kind: 'same',
        text: op.text,
        oldLine: ++oldNo,
        newLine: ++newNo,
      });
    else if (op.kind === 'del')
      out.push({ kind: 'del', text: op.text, oldLine: ++oldNo });
    else out.push({ kind: 'add', text: op.text, newLine: ++newNo });
  }
  for (let i = 0; i < suffix; i++) {
    out.push({
      kind: 'same',
      text: a[a.length - suffix + i],
      oldLine: ++oldNo,
      newLine: ++newNo,
    });
  }
  return out;
}

interface Op {
  kind: DiffKind;
  text: string;
}

function myers(
  a: readonly string[],
  b: readonly string[],
  maxEdits: number,
): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ kind: 'add', text }));
  if (m === 0) return a.map((text) => ({ kind: 'del', text }));
  const max = n + m;
  const offset = max + 1;
  // v[k + offset] = furthest x reached on diagonal k; trace[d] is v as it was before round d.
  // Each stored copy keeps only diagonals -d-1..d+1, so the trace is O(D²) instead of O(D·(N+M)).
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  const limit = Math.min(max, maxEdits);
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]))
        x = v[offset + k + 1];
      else x = v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace);
    }
  }
  // Too different to be worth a minimal diff: show it as a full replacement.
  return [
    ...a.map((text): Op => ({ kind: 'del', text })),
    ...b.map((text): Op => ({ kind: 'add', text })),
  ];
}

function backtrack(
  a: readonly string[],
  b: readonly string[],
  trace: Int32Array[],
): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const saved = trace[d];
    // saved[i] holds diagonal i - d - 1.
    const at = (k: number) => saved[k + d + 1];
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && at(k - 1) < at(k + 1))) prevK = k + 1;
    else prevK = k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: 'same', text: a[x - 1] });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: 'add', text: b[y - 1] });
      else ops.push({ kind: 'del', text: a[x - 1] });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Groups a diff into hunks with `context` unchanged lines around each change (like `diff -u`). */
export function toHunks(diff: readonly DiffLine[], context = 3): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  const changed = diff
    .map((line, i) => (line.kind === 'same' ? -1 : i))
    .filter((i) => i >= 0);
  if (changed.length === 0) return hunks;
  let start = Math.max(0, changed[0] - context);
  let end = Math.min(diff.length - 1, changed[0] + context);
  const flush = () => {
    const lines = diff.slice(start, end + 1);
    // The hunk starts at the first old/new line it contains, or just after the line before it.
    const oldStart =
      lines.find((l) => l.oldLine !== undefined)?.oldLine ??
      lineBefore(diff, start, 'oldLine') + 1;
    const newStart =
      lines.find((l) => l.newLine !== undefined)?.newLine ??
      lineBefore(diff, start, 'newLine') + 1;
    hunks.push({
      oldStart,
      newStart,
      oldCount: lines.filter((l) => l.kind !== 'add').length,
      newCount: lines.filter((l) => l.kind !== 'del').length,
      lines,
    });
  };
  for (const index of changed.slice(1)) {
    if (index - context <= end + 1) {
      end = Math.min(diff.length - 1, index + context);
    } else {
      flush();
      start = index - context;
      end = Math.min(diff.length - 1, index + context);
    }
  }
  flush();
  return hunks;
}

function lineBefore(
  diff: readonly DiffLine[],
  index: number,
  key: 'oldLine' | 'newLine',
): number {
  for (let i = index - 1; i >= 0; i--) {
    const n = diff[i][key];
    if (n !== undefined) return n;
  }
  return 0;
}

export function diffStats(diff: readonly DiffLine[]): {
  added: number;
  removed: number;
} {
  let added = 0;
  let removed = 0;
  for (const line of diff) {
    if (line.kind === 'add') added++;
    else if (line.kind === 'del') removed++;
  }
  return { added, removed };
}
