import { io, type Socket } from 'socket.io-client';
import {
  SOCKET_PATH,
  type Ack,
  type ClientToServerEvents,
  type LogEndPayload,
  type ServerToClientEvents,
} from '@velociraptor/domain';

export type TypedSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Connects a socket.io client to an API process with an API token. */
export async function connectSocket(
  baseUrl: string,
  token: string,
): Promise<TypedSocket> {
  const socket: TypedSocket = io(baseUrl, {
    path: SOCKET_PATH,
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

/**
 * Follows one image's log and records every line with its sequence number,
 * and every duplicate or out-of-order delivery, so tests can assert on them.
 */
export class LogWatcher {
  readonly lines: string[] = [];
  readonly duplicates: number[] = [];
  readonly gaps: { expected: number; got: number }[] = [];
  /** Arrival time (ms since epoch) of each line, by sequence number - 1. */
  readonly arrivals: number[] = [];
  end: LogEndPayload | undefined;
  private lastSeq = 0;
  private readonly ended: Promise<LogEndPayload>;
  private onEnd: (end: LogEndPayload) => void = () => undefined;

  constructor(
    readonly socket: TypedSocket,
    readonly imageId: string,
  ) {
    this.ended = new Promise((resolve) => (this.onEnd = resolve));
    socket.on('log:lines', (p) => {
      if (p.imageId !== imageId) return;
      const now = Date.now();
      p.lines.forEach((line, i) => {
        const seq = p.firstSeq + i;
        if (seq <= this.lastSeq) {
          this.duplicates.push(seq);
          return;
        }
        if (seq !== this.lastSeq + 1)
          this.gaps.push({ expected: this.lastSeq + 1, got: seq });
        this.lines[seq - 1] = line;
        this.arrivals[seq - 1] = now;
        this.lastSeq = seq;
      });
    });
    socket.on('log:end', (p) => {
      if (p.imageId !== imageId) return;
      this.end = p;
      this.onEnd(p);
    });
  }

  static async subscribe(
    socket: TypedSocket,
    imageId: string,
    afterSeq = 0,
  ): Promise<LogWatcher> {
    const watcher = new LogWatcher(socket, imageId);
    const ack = await new Promise<Ack>((resolve) =>
      socket.emit('log:subscribe', { imageId, afterSeq }, resolve),
    );
    if (!ack.ok)
      throw new Error(`log:subscribe failed: ${ack.statusCode} ${ack.error}`);
    return watcher;
  }

  get count(): number {
    return this.lastSeq;
  }

  waitForEnd(): Promise<LogEndPayload> {
    return this.ended;
  }

  async waitForLines(n: number, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastSeq < n && !this.end) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.lastSeq} of ${n} log lines arrived`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
