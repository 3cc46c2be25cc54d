import {
  diffLines,
  diffStats,
  diffText,
  splitLines,
  toHunks,
  type DiffLine,
} from './line-diff';

/** Renders a diff like `diff` does, to compare whole results at a glance. */
function render(diff: DiffLine[]): string[] {
  return diff.map(
    (l) => (l.kind === 'same' ? ' ' : l.kind === 'add' ? '+' : '-') + l.text,
  );
}

/** Applying the diff must turn the old text into the new one. */
function apply(diff: DiffLine[]): { old: string[]; new: string[] } {
  return {
    old: diff.filter((l) => l.kind !== 'add').map((l) => l.text),
    new: diff.filter((l) => l.kind !== 'del').map((l) => l.text),
  };
}

describe('splitLines', () => {
  it('splits on LF and CRLF and ignores the final newline', () => {
    expect(splitLines('a\r\nb\nc\n')).toEqual(['a', 'b', 'c']);
    expect(splitLines('')).toEqual([]);
    expect(splitLines('\n')).toEqual(['']);
  });
});

describe('diffLines', () => {
  it('reports identical texts as unchanged', () => {
    const diff = diffText('a\nb\n', 'a\nb\n');
    expect(render(diff)).toEqual([' a', ' b']);
    expect(diffStats(diff)).toEqual({ added: 0, removed: 0 });
  });

  it('handles empty sides', () => {
    expect(render(diffLines([], ['x', 'y']))).toEqual(['+x', '+y']);
    expect(render(diffLines(['x'], []))).toEqual(['-x']);
    expect(diffLines([], [])).toEqual([]);
  });

  it('finds a minimal edit for the classic ABCABBA / CBABAC example', () => {
    const a = 'ABCABBA'.split('');
    const b = 'CBABAC'.split('');
    const diff = diffLines(a, b);
    expect(apply(diff)).toEqual({ old: a, new: b });
    // The shortest edit script has 5 edits (LCS length 4).
    const { added, removed } = diffStats(diff);
    expect(added + removed).toBe(5);
  });

  it('numbers old and new lines', () => {
    const diff = diffText(
      '#!/bin/sh\napt-get update\necho done\n',
      '#!/bin/sh\napt-get update\napt-get install -y curl\necho done\n',
    );
    expect(render(diff)).toEqual([
      ' #!/bin/sh',
      ' apt-get update',
      '+apt-get install -y curl',
      ' echo done',
    ]);
    expect(diff[2]).toEqual({
      kind: 'add',
      text: 'apt-get install -y curl',
      newLine: 3,
    });
    expect(diff[3]).toEqual({
      kind: 'same',
      text: 'echo done',
      oldLine: 3,
      newLine: 4,
    });
  });

  it('shows a changed line as a deletion followed by an addition', () => {
    expect(render(diffText('a\nb\nc', 'a\nB\nc'))).toEqual([
      ' a',
      '-b',
      '+B',
      ' c',
    ]);
  });

  it('round-trips random edits', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 50; round++) {
      const a = Array.from({ length: rand(30) }, () => `l${rand(6)}`);
      const b = a.filter(() => rand(4) !== 0);
      for (let i = 0; i < rand(5); i++)
        b.splice(rand(b.length + 1), 0, `n${rand(6)}`);
      const diff = diffLines(a, b);
      expect(apply(diff)).toEqual({ old: a, new: b });
      const oldNumbers = diff
        .filter((l) => l.oldLine !== undefined)
        .map((l) => l.oldLine);
      expect(oldNumbers).toEqual(a.map((_, i) => i + 1));
    }
  });

  it('falls back to a full replacement past the edit limit', () => {
    const diff = diffLines(['a', 'b', 'c'], ['x', 'y', 'z'], 2);
    expect(render(diff)).toEqual(['-a', '-b', '-c', '+x', '+y', '+z']);
  });
});

describe('toHunks', () => {
  const oldText = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join(
    '\n',
  );

  it('returns no hunks for equal texts', () => {
    expect(toHunks(diffText(oldText, oldText))).toEqual([]);
  });

  it('keeps context lines around changes and splits distant changes', () => {
    const lines = oldText.split('\n');
    lines[1] = 'changed 2';
    lines[17] = 'changed 18';
    const hunks = toHunks(diffText(oldText, lines.join('\n')), 2);
    expect(hunks).toHaveLength(2);
    expect(hunks[0]).toMatchObject({
      oldStart: 1,
      oldCount: 4,
      newStart: 1,
      newCount: 4,
    });
    expect(render(hunks[0].lines)).toEqual([
      ' line 1',
      '-line 2',
      '+changed 2',
      ' line 3',
      ' line 4',
    ]);
    expect(hunks[1]).toMatchObject({
      oldStart: 16,
      oldCount: 5,
      newStart: 16,
      newCount: 5,
    });
  });

  it('merges changes whose contexts touch', () => {
    const lines = oldText.split('\n');
    lines[4] = 'x';
    lines[9] = 'y';
    expect(toHunks(diffText(oldText, lines.join('\n')), 2)).toHaveLength(1);
  });
});
