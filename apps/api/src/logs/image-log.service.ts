import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { isFinished } from '@velociraptor/domain';
import { ObjectNotFoundError } from '@velociraptor/storage';
import { LogArchive } from './log-archive';
import { LogStreamReader } from './log-stream.reader';
import { ImageLogLookup } from './log-subscriptions';

/** The raw text of a build log: from the live stream while it runs, from the object store after. */
@Injectable()
export class ImageLogService {
  constructor(
    @Inject(ImageLogLookup) private readonly images: ImageLogLookup,
    @Inject(LogArchive) private readonly archive: LogArchive,
    @Inject(LogStreamReader) private readonly reader: LogStreamReader,
  ) {}

  async open(imageId: string): Promise<Readable> {
    const image = await this.images.find(imageId);
    if (!image) throw new NotFoundException(`image ${imageId} not found`);
    if (isFinished(image.status) && image.logKey) {
      try {
        return await this.archive.open(image.logKey);
      } catch (err) {
        // Not uploaded (the builder died): the stream may still hold it.
        if (!(err instanceof ObjectNotFoundError)) throw err;
      }
    }
    return Readable.from(this.fromStream(imageId));
  }

  /** Lines in the same form the builder uploads: each followed by "\n". */
  private async *fromStream(imageId: string): AsyncGenerator<string> {
    for await (const page of this.reader.entries(imageId)) {
      let text = '';
      for (const { entry } of page) {
        if (entry.kind === 'lines' && entry.lines.length > 0) {
          text += entry.lines.join('\n') + '\n';
        }
      }
      if (text) yield text;
    }
  }
}
