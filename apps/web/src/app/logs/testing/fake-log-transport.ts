import type {
  Ack,
  LogEndPayload,
  LogLinesPayload,
  LogSubscribeRequest,
} from '@velociraptor/domain';
import type { LogTransport } from '../log-transport';

/** An in-memory socket: the test plays the server. */
export class FakeTransport implements LogTransport {
  connected = false;
  readonly subscriptions: LogSubscribeRequest[] = [];
  readonly unsubscribed: string[] = [];
  ack: Ack = { ok: true };
  private readonly connectListeners = new Set<() => void>();
  private readonly lineListeners = new Set<(p: LogLinesPayload) => void>();
  private readonly endListeners = new Set<(p: LogEndPayload) => void>();

  isConnected(): boolean {
    return this.connected;
  }
  onConnect(listener: () => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }
  onLines(listener: (p: LogLinesPayload) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }
  onEnd(listener: (p: LogEndPayload) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }
  subscribeLog(request: LogSubscribeRequest): Promise<Ack> {
    this.subscriptions.push(request);
    return Promise.resolve(this.ack);
  }
  unsubscribeLog(imageId: string): void {
    this.unsubscribed.push(imageId);
  }

  connect(): void {
    this.connected = true;
    for (const l of this.connectListeners) l();
  }
  disconnect(): void {
    this.connected = false;
  }
  lines(imageId: string, firstSeq: number, lines: string[]): void {
    for (const l of this.lineListeners) l({ imageId, firstSeq, lines });
  }
  end(payload: LogEndPayload): void {
    for (const l of this.endListeners) l(payload);
  }
  get listenerCount(): number {
    return (
      this.connectListeners.size +
      this.lineListeners.size +
      this.endListeners.size
    );
  }
}
