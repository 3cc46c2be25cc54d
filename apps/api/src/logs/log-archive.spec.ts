import { splitLines } from './log-archive';

async function collect(chunks: string[], size: number) {
  const out: { firstSeq: number; lines: string[] }[] = [];
  async function* source() {
    for (const c of chunks) yield Buffer.from(c);
  }
  for await (const b of splitLines(source(), size)) out.push(b);
  return out;
}

describe('splitLines', () => {
  it('splits on \\n only and numbers batches', async () => {
    expect(await collect(['a\nb', '\r50%\rdone\nc\n'], 2)).toEqual([
      { firstSeq: 1, lines: ['a', 'b\r50%\rdone'] },
      { firstSeq: 3, lines: ['c'] },
    ]);
  });
  it('keeps a last line without a newline and multi-byte characters split across chunks', async () => {
    const euro = Buffer.from('€');
    async function* source() {
      yield Buffer.concat([Buffer.from('x\n'), euro.subarray(0, 1)]);
      yield euro.subarray(1);
    }
    const out = [];
    for await (const b of splitLines(source(), 10)) out.push(b);
    expect(out).toEqual([{ firstSeq: 1, lines: ['x', '€'] }]);
  });
});
