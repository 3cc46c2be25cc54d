import type {
  LogEndPayload,
  LogLinesPayload,
  LogStreamEntry,
} from '@velociraptor/domain';
import type { LogArchive } from './log-archive';
import type { LogStreamReader, StreamEntry } from './log-stream.reader';
import {
  LogSubscriptions,
  type ImageLogInfo,
  type ImageLogLookup,
  type LogWatcher,
  type RoomBroadcaster,
} from './log-subscriptions';
import type { LogTailer, TailListener } from './log-tailer';

const ID = 'img-1';
const tick = () => new Promise((r) => setImmediate(r));

class Watcher implements LogWatcher {
  lines: { seq: number; line: string }[] = [];
  ends: LogEndPayload[] = [];
  rooms = new Set<string>();
  constructor(
    readonly id: string,
    private readonly bus: Rooms,
  ) {}
  sendLines(p: LogLinesPayload) {
    p.lines.forEach((line, i) =>
      this.lines.push({ seq: p.firstSeq + i, line }),
    );
  }
  sendEnd(p: LogEndPayload) {
    this.ends.push(p);
  }
  join(room: string) {
    this.rooms.add(room);
    this.bus.add(room, this);
  }
  leave(room: string) {
    this.rooms.delete(room);
    this.bus.remove(room, this);
  }
  seqs() {
    return this.lines.map((l) => l.seq);
  }
}

class Rooms implements RoomBroadcaster {
  private readonly rooms = new Map<string, Set<Watcher>>();
  add(room: string, w: Watcher) {
    if (!this.rooms.has(room)) this.rooms.set(room, new Set());
    this.rooms.get(room)?.add(w);
  }
  remove(room: string, w: Watcher) {
    this.rooms.get(room)?.delete(w);
  }
  lines(room: string, p: LogLinesPayload) {
    for (const w of this.rooms.get(room) ?? []) w.sendLines(p);
  }
  end(room: string, p: LogEndPayload) {
    for (const w of [...(this.rooms.get(room) ?? [])]) w.sendEnd(p);
  }
}

/** A Redis stream in memory: XRANGE reads yield between pages, like the network would. */
class FakeStream {
  entries: StreamEntry[] = [];
  private n = 0;
  listener: TailListener | undefined;
  startSeq = 0;
  add(entry: LogStreamEntry, deliver = true) {
    const e = { id: `${++this.n}-0`, entry };
    this.entries.push(e);
    if (deliver) this.listener?.([e]);
  }
  lines(from: number, count: number, deliver = true) {
    this.add(
      {
        kind: 'lines',
        seq: from,
        lines: Array.from({ length: count }, (_, i) => `line ${from + i}`),
      },
      deliver,
    );
  }
  reader(onPage?: () => void): LogStreamReader {
    const all = () => this.entries;
    return {
      async *entries() {
        const snapshot = [...all()];
        for (let i = 0; i < snapshot.length; i += 2) {
          await tick();
          yield snapshot.slice(i, i + 2);
          onPage?.();
        }
      },
    } as unknown as LogStreamReader;
  }
  tailer(): LogTailer {
    return {
      tail: async (_id: string, listener: TailListener) => {
        this.listener = listener;
        const last = this.entries.at(-1)?.entry;
        const startSeq =
          last === undefined
            ? 0
            : last.kind === 'lines'
              ? last.seq + last.lines.length - 1
              : last.lastSeq;
        return {
          startSeq: this.startSeq || startSeq,
          stop: () => (this.listener = undefined),
        };
      },
    } as unknown as LogTailer;
  }
}

function setup(
  stream: FakeStream,
  image: ImageLogInfo = { status: 'running', logKey: null },
  archiveLines: string[] = [],
  onPage?: () => void,
) {
  const rooms = new Rooms();
  const lookup: ImageLogLookup = { find: async () => image };
  const archive = {
    async *batches() {
      if (archiveLines.length) yield { firstSeq: 1, lines: archiveLines };
    },
  } as unknown as LogArchive;
  const subs = new LogSubscriptions(
    stream.reader(onPage),
    stream.tailer(),
    archive,
    lookup,
    rooms,
  );
  return { subs, rooms };
}

const range = (a: number, b: number) =>
  Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('LogSubscriptions', () => {
  it('replays the stream and hands over to live lines with no gap or duplicate', async () => {
    const stream = new FakeStream();
    for (let s = 1; s <= 40; s += 10) stream.lines(s, 10);
    // Live lines arrive while the replay pages are being read.
    let more = 41;
    const { subs, rooms } = setup(stream, undefined, [], () => {
      if (more <= 100) {
        stream.lines(more, 10);
        more += 10;
      }
    });
    const w = new Watcher('a', rooms);
    await subs.subscribe(w, ID, 0);
    for (let i = 0; i < 20; i++) await tick();
    stream.lines(more, 5);
    stream.add({
      kind: 'end',
      status: 'succeeded',
      lastSeq: more + 4,
      truncated: false,
    });
    expect(w.seqs()).toEqual(range(1, more + 4));
    expect(w.ends).toEqual([
      { imageId: ID, status: 'succeeded', lastSeq: more + 4, truncated: false },
    ]);
    expect(subs.channelCount).toBe(0);
  });

  it('resumes after afterSeq', async () => {
    const stream = new FakeStream();
    stream.lines(1, 10);
    const { subs, rooms } = setup(stream);
    const w = new Watcher('a', rooms);
    await subs.subscribe(w, ID, 7);
    for (let i = 0; i < 5; i++) await tick();
    stream.lines(11, 2);
    expect(w.seqs()).toEqual([8, 9, 10, 11, 12]);
  });

  it('does not repeat lines the replay read ahead of the live tail', async () => {
    const stream = new FakeStream();
    stream.lines(1, 10);
    // Lines 11-20 are in the stream but the tail has not handed them out yet.
    stream.startSeq = 10;
    const { subs, rooms } = setup(stream);
    const w = new Watcher('a', rooms);
    stream.lines(11, 10, false);
    await subs.subscribe(w, ID, 0);
    for (let i = 0; i < 5; i++) await tick();
    expect(w.rooms.size).toBe(0); // catching up, not in the room yet
    stream.listener?.([stream.entries[1]]);
    stream.lines(21, 10);
    expect(w.seqs()).toEqual(range(1, 30));
    expect(w.rooms.size).toBe(1);
  });

  it('serves two watchers, one joining halfway, each line once', async () => {
    const stream = new FakeStream();
    const { subs, rooms } = setup(stream);
    const a = new Watcher('a', rooms);
    const b = new Watcher('b', rooms);
    await subs.subscribe(a, ID);
    await tick();
    for (let s = 1; s <= 50; s += 10) stream.lines(s, 10);
    await subs.subscribe(b, ID);
    stream.lines(51, 10);
    for (let i = 0; i < 10; i++) await tick();
    stream.lines(61, 10);
    stream.add({
      kind: 'end',
      status: 'failed',
      lastSeq: 70,
      truncated: false,
    });
    expect(a.seqs()).toEqual(range(1, 70));
    expect(b.seqs()).toEqual(range(1, 70));
    expect(a.ends).toHaveLength(1);
    expect(b.ends).toHaveLength(1);
  });

  it('replays the archived log once the stream has expired', async () => {
    const stream = new FakeStream();
    const { subs, rooms } = setup(
      stream,
      { status: 'failed', logKey: 'logs/x.log' },
      ['a', 'b', '[velociraptor] log truncated: it reached the limit of 1 KiB'],
    );
    const w = new Watcher('a', rooms);
    await subs.subscribe(w, ID, 1);
    for (let i = 0; i < 5; i++) await tick();
    expect(w.lines).toEqual([
      { seq: 2, line: 'b' },
      {
        seq: 3,
        line: '[velociraptor] log truncated: it reached the limit of 1 KiB',
      },
    ]);
    expect(w.ends).toEqual([
      { imageId: ID, status: 'failed', lastSeq: 3, truncated: true },
    ]);
  });

  it('stops sending after unsubscribe and releases the tail', async () => {
    const stream = new FakeStream();
    const { subs, rooms } = setup(stream);
    const w = new Watcher('a', rooms);
    await subs.subscribe(w, ID);
    await tick();
    stream.lines(1, 3);
    subs.disconnect(w);
    stream.lines(4, 3);
    expect(w.seqs()).toEqual([1, 2, 3]);
    expect(subs.channelCount).toBe(0);
    expect(stream.listener).toBeUndefined();
  });
});
