import { LogStream } from './log-stream';
import { FakeTransport } from './testing/fake-log-transport';

function lines(stream: LogStream): string[] {
  return Array.from({ length: stream.buffer.length }, (_, i) =>
    stream.buffer.rawLine(i),
  );
}

const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('LogStream', () => {
  let transport: FakeTransport;
  let changes: number;
  let stream: LogStream;

  beforeEach(() => {
    transport = new FakeTransport();
    changes = 0;
    stream = new LogStream(transport, 'img-1', () => changes++);
  });

  afterEach(() => stream.stop());

  it('subscribes from the start once connected', () => {
    stream.start();
    expect(transport.subscriptions).toEqual([]);
    transport.connect();
    expect(transport.subscriptions).toEqual([
      { imageId: 'img-1', afterSeq: 0 },
    ]);
  });

  it('subscribes at once when the socket is already connected', () => {
    transport.connected = true;
    stream.start();
    expect(transport.subscriptions).toEqual([
      { imageId: 'img-1', afterSeq: 0 },
    ]);
  });

  it('ignores other images and notifies only on new lines', () => {
    stream.start();
    transport.connect();
    transport.lines('img-2', 1, ['other']);
    expect(changes).toBe(0);
    transport.lines('img-1', 1, ['a', 'b']);
    transport.lines('img-1', 1, ['a', 'b']);
    expect(changes).toBe(1);
    expect(lines(stream)).toEqual(['a', 'b']);
  });

  it('resumes after a reconnect from the last line seen, without gaps or duplicates', () => {
    stream.start();
    transport.connect();
    transport.lines('img-1', 1, ['1', '2', '3']);
    transport.disconnect();
    transport.connect();
    expect(transport.subscriptions[1]).toEqual({
      imageId: 'img-1',
      afterSeq: 3,
    });
    // The server replays after 3; a live batch sent before the replay overlaps it.
    transport.lines('img-1', 3, ['3', '4']);
    transport.lines('img-1', 4, ['4', '5', '6']);
    expect(lines(stream)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('puts out-of-order batches in place', () => {
    stream.start();
    transport.connect();
    transport.lines('img-1', 3, ['3']);
    transport.lines('img-1', 1, ['1', '2']);
    expect(lines(stream)).toEqual(['1', '2', '3']);
  });

  it('marks the log ended when the end arrives with every line held', () => {
    stream.start();
    transport.connect();
    transport.lines('img-1', 1, ['only']);
    transport.end({
      imageId: 'img-1',
      status: 'succeeded',
      lastSeq: 1,
      truncated: false,
    });
    expect(stream.state).toEqual({
      ended: true,
      endStatus: 'succeeded',
      truncated: false,
      error: null,
    });
  });

  it('asks again when the end reports lines it never received', () => {
    stream.start();
    transport.connect();
    transport.lines('img-1', 1, ['1']);
    transport.end({
      imageId: 'img-1',
      status: 'failed',
      lastSeq: 3,
      truncated: true,
    });
    expect(stream.state.ended).toBe(false);
    expect(transport.subscriptions.at(-1)).toEqual({
      imageId: 'img-1',
      afterSeq: 1,
    });
    transport.lines('img-1', 2, ['2', '3']);
    transport.end({
      imageId: 'img-1',
      status: 'failed',
      lastSeq: 3,
      truncated: true,
    });
    expect(stream.state).toMatchObject({
      ended: true,
      endStatus: 'failed',
      truncated: true,
    });
  });

  it('reports a refused subscription', async () => {
    transport.ack = { ok: false, error: 'Image not found', statusCode: 404 };
    stream.start();
    transport.connect();
    await flush();
    expect(stream.state.error).toBe('Image not found');
  });

  it('removes its listeners and unsubscribes on stop', () => {
    stream.start();
    transport.connect();
    stream.stop();
    expect(transport.listenerCount).toBe(0);
    expect(transport.unsubscribed).toEqual(['img-1']);
    transport.connect();
    expect(transport.subscriptions).toHaveLength(1);
  });
});
