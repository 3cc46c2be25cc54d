import { Inject, Injectable } from '@nestjs/common';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { ObjectStore } from '@velociraptor/storage';

/** The full log the builder uploads to the object store when a build ends. */
@Injectable()
export class LogArchive {
  constructor(@Inject(ObjectStore) private readonly store: ObjectStore) {}

  open(logKey: string): Promise<Readable> {
    return this.store.getStream(logKey);
  }

  /** Lines in batches of at most `batchSize`, with the sequence number of each batch's first line. */
  async *batches(
    logKey: string,
    batchSize = 1000,
  ): AsyncGenerator<{ firstSeq: number; lines: string[] }> {
    const stream = await this.open(logKey);
    try {
      yield* splitLines(stream, batchSize);
    } finally {
      stream.destroy();
    }
  }
}

/**
 * Splits on "\n" only: the builder ends every line with it, and a "\r" inside
 * a line (progress bars) is content, not a line break.
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
  batchSize: number,
): AsyncGenerator<{ firstSeq: number; lines: string[] }> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let batch: string[] = [];
  let nextSeq = 1;
  const flush = function* () {
    if (batch.length === 0) return;
    yield { firstSeq: nextSeq - batch.length, lines: batch };
    batch = [];
  };
  for await (const chunk of source) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let at: number;
    while ((at = rest.indexOf('\n')) >= 0) {
      batch.push(rest.slice(0, at));
      nextSeq++;
      rest = rest.slice(at + 1);
      if (batch.length >= batchSize) yield* flush();
    }
  }
  rest += decoder.end();
  if (rest !== '') {
    batch.push(rest);
    nextSeq++;
  }
  yield* flush();
}
