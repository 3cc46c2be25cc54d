import { LogBuffer } from './log-buffer';

const E = '\u001b';

function texts(buffer: LogBuffer): string[] {
  return Array.from({ length: buffer.length }, (_, i) => buffer.rawLine(i));
}

describe('LogBuffer', () => {
  it('appends batches in order', () => {
    const buffer = new LogBuffer();
    expect(buffer.append(1, ['a', 'b'])).toBe(2);
    expect(buffer.append(3, ['c'])).toBe(1);
    expect(texts(buffer)).toEqual(['a', 'b', 'c']);
    expect(buffer.lastSeq).toBe(3);
  });

  it('drops duplicates, including a replay overlapping what it holds', () => {
    const buffer = new LogBuffer();
    buffer.append(1, ['a', 'b', 'c']);
    expect(buffer.append(1, ['a', 'b', 'c'])).toBe(0);
    expect(buffer.append(2, ['b', 'c', 'd', 'e'])).toBe(2);
    expect(texts(buffer)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('holds out-of-order batches until the gap fills', () => {
    const buffer = new LogBuffer();
    buffer.append(1, ['a']);
    expect(buffer.append(4, ['d', 'e'])).toBe(0);
    expect(buffer.length).toBe(1);
    expect(buffer.pendingCount).toBe(2);
    expect(buffer.append(2, ['b', 'c'])).toBe(4);
    expect(texts(buffer)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(buffer.pendingCount).toBe(0);
  });

  it('discards pending lines that a later batch already covered', () => {
    const buffer = new LogBuffer();
    buffer.append(3, ['c']);
    buffer.append(1, ['a', 'b', 'c', 'd']);
    expect(texts(buffer)).toEqual(['a', 'b', 'c', 'd']);
    expect(buffer.pendingCount).toBe(0);
  });

  it('rejects an invalid first sequence number', () => {
    expect(() => new LogBuffer().append(0, ['x'])).toThrow(
      'invalid firstSeq 0',
    );
  });

  it('keeps plain text for search and carries colours across lines', () => {
    const buffer = new LogBuffer();
    buffer.append(1, [`${E}[31merror:`, 'still red', `${E}[0mplain`]);
    expect(buffer.plainLine(0)).toBe('error:');
    expect(buffer.styledLine(1).segments).toEqual([
      { text: 'still red', style: { fg: 'var(--ansi-1)' } },
    ]);
    expect(buffer.styledLine(2).segments).toEqual([
      { text: 'plain', style: {} },
    ]);
  });

  it('records the receive time per line and renders the raw text', () => {
    const buffer = new LogBuffer();
    buffer.append(1, ['a'], 1000);
    buffer.append(3, ['c'], 2000);
    buffer.append(2, ['b'], 3000);
    expect([0, 1, 2].map((i) => buffer.receivedTime(i))).toEqual([
      1000, 3000, 2000,
    ]);
    expect(buffer.toText()).toBe('a\nb\nc\n');
  });

  it('holds 200,000 lines', () => {
    const buffer = new LogBuffer();
    for (let seq = 1; seq <= 200_000; seq += 500) {
      buffer.append(
        seq,
        Array.from({ length: 500 }, (_, i) => `line ${seq + i}`),
      );
    }
    expect(buffer.length).toBe(200_000);
    expect(buffer.plainLine(199_999)).toBe('line 200000');
  });
});
