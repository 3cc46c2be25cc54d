import {
  decodeLogStreamEntry,
  encodeLogStreamEntry,
  formatBytes,
  formatDuration,
  logTruncationLine,
} from './log-stream';

describe('log stream entries', () => {
  it('round-trips a batch of lines', () => {
    const fields = encodeLogStreamEntry({
      kind: 'lines',
      seq: 7,
      lines: ['a', '\u001b[31mred\u001b[0m', ''],
    });
    expect(fields).toEqual([
      'seq',
      '7',
      'lines',
      '["a","\\u001b[31mred\\u001b[0m",""]',
    ]);
    expect(decodeLogStreamEntry(fields)).toEqual({
      kind: 'lines',
      seq: 7,
      lines: ['a', '\u001b[31mred\u001b[0m', ''],
    });
  });
  it('round-trips the end entry', () => {
    const fields = encodeLogStreamEntry({
      kind: 'end',
      status: 'failed',
      lastSeq: 12,
      truncated: true,
    });
    expect(decodeLogStreamEntry(fields)).toEqual({
      kind: 'end',
      status: 'failed',
      lastSeq: 12,
      truncated: true,
    });
  });
  it('rejects malformed entries', () => {
    expect(decodeLogStreamEntry(['seq', '0', 'lines', '[]'])).toBeNull();
    expect(decodeLogStreamEntry(['seq', '1', 'lines', '{'])).toBeNull();
    expect(decodeLogStreamEntry(['seq', '1', 'lines', '[1]'])).toBeNull();
    expect(decodeLogStreamEntry(['end', '1', 'status', 'bogus'])).toBeNull();
  });
});

describe('formatting', () => {
  it('formats durations the way people read them', () => {
    expect(formatDuration(3600)).toBe('1h 0m');
    expect(formatDuration(5400)).toBe('1h 30m');
    expect(formatDuration(125)).toBe('2m 5s');
    expect(formatDuration(120)).toBe('2m');
    expect(formatDuration(10)).toBe('10s');
  });
  it('formats byte sizes', () => {
    expect(formatBytes(64 * 1024 * 1024)).toBe('64 MiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(logTruncationLine(1024)).toContain('1 KiB');
  });
});
