import { LineSplitter } from './line-splitter';

describe('LineSplitter', () => {
  it('emits complete lines as they arrive and keeps the rest', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('one\ntw'))).toEqual(['one']);
    expect(s.push(Buffer.from('o\nthree\n'))).toEqual(['two', 'three']);
    expect(s.flush()).toEqual([]);
  });

  it('flushes a final unterminated line', () => {
    const s = new LineSplitter();
    expect(s.push('a\nlast')).toEqual(['a']);
    expect(s.flush()).toEqual(['last']);
    expect(s.flush()).toEqual([]);
  });

  it('keeps empty lines and strips CRLF line ends only', () => {
    const s = new LineSplitter();
    expect(s.push('a\r\n\n\rprogress\r50%\n')).toEqual([
      'a',
      '',
      '\rprogress\r50%',
    ]);
  });

  it('does not break UTF-8 characters split across chunks', () => {
    const bytes = Buffer.from('héllo wörld\n', 'utf8');
    const s = new LineSplitter();
    const out: string[] = [];
    for (const byte of bytes) out.push(...s.push(Buffer.from([byte])));
    expect(out).toEqual(['héllo wörld']);
  });

  it('cuts lines longer than the limit into pieces', () => {
    const s = new LineSplitter(4);
    expect(s.push('abcdefghij')).toEqual(['abcd', 'efgh']);
    expect(s.push('k\n')).toEqual(['ijk']);
  });
});
