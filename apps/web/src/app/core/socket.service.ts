import { Injectable, signal } from '@angular/core';
import {
  SOCKET_PATH,
  type Ack,
  type BuildProgress,
  type ClientToServerEvents,
  type Image,
  type LogEndPayload,
  type LogLinesPayload,
  type LogSubscribeRequest,
  type ServerToClientEvents,
} from '@velociraptor/domain';
import { Subject } from 'rxjs';
import type { Socket } from 'socket.io-client';
import type { LogTransport } from '../logs/log-transport';

export type ImageEventType =
  | 'queued'
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'activated';

export type DashboardEvent =
  | { type: ImageEventType; image: Image }
  | { type: 'progress'; progress: BuildProgress };

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'lost';

type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const IMAGE_EVENTS: ImageEventType[] = [
  'queued',
  'started',
  'succeeded',
  'failed',
  'cancelled',
  'activated',
];
const ACK_TIMEOUT_MS = 15_000;

/**
 * The one socket.io connection of the signed-in session. socket.io-client is loaded on first
 * connect, so the login page does not pay for it. It reconnects by itself; `state` drives the
 * "connection lost" banner and listeners re-subscribe on `connect`.
 */
@Injectable({ providedIn: 'root' })
export class SocketService implements LogTransport {
  private socket: AppSocket | null = null;
  private opening: Promise<void> | null = null;
  private readonly connectionState = signal<ConnectionState>('idle');
  private readonly connectListeners = new Set<() => void>();
  private readonly lineListeners = new Set<(p: LogLinesPayload) => void>();
  private readonly endListeners = new Set<(p: LogEndPayload) => void>();
  private readonly events = new Subject<DashboardEvent>();

  readonly state = this.connectionState.asReadonly();
  /** `image:*` events for every image the user may see. */
  readonly dashboardEvents = this.events.asObservable();

  connect(): Promise<void> {
    this.opening ??= this.open();
    return this.opening;
  }

  disconnect(): void {
    this.socket?.disconnect();
    this.socket = null;
    this.opening = null;
    this.connectionState.set('idle');
  }

  isConnected(): boolean {
    return this.socket?.connected ?? false;
  }

  onConnect(listener: () => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  onLines(listener: (payload: LogLinesPayload) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  onEnd(listener: (payload: LogEndPayload) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  async subscribeLog(request: LogSubscribeRequest): Promise<Ack> {
    const socket = this.socket;
    if (!socket) return { ok: false, error: 'Not connected', statusCode: 0 };
    try {
      return await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('log:subscribe', request);
    } catch {
      // A timeout while the connection drops: the next `connect` subscribes again.
      return {
        ok: false,
        error: 'The server did not answer the log subscription',
        statusCode: 0,
      };
    }
  }

  unsubscribeLog(imageId: string): void {
    this.socket?.emit('log:unsubscribe', { imageId }, () => undefined);
  }

  private async open(): Promise<void> {
    this.connectionState.set('connecting');
    const { io } = await import('socket.io-client');
    // Same origin: the session cookie authenticates the handshake like a REST call.
    const socket: AppSocket = io({
      path: SOCKET_PATH,
      withCredentials: true,
      transports: ['websocket', 'polling'],
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.connectionState.set('connected');
      for (const listener of this.connectListeners) listener();
    });
    socket.on('disconnect', (reason) => {
      // A disconnect we asked for is not a lost connection.
      if (reason !== 'io client disconnect') this.connectionState.set('lost');
    });
    socket.on('connect_error', () => {
      if (this.socket === socket) this.connectionState.set('lost');
    });
    socket.on('log:lines', (payload) => {
      for (const listener of this.lineListeners) listener(payload);
    });
    socket.on('log:end', (payload) => {
      for (const listener of this.endListeners) listener(payload);
    });
    for (const type of IMAGE_EVENTS) {
      socket.on(`image:${type}`, (payload: { image: Image }) =>
        this.events.next({ type, image: payload.image }),
      );
    }
    socket.on('image:progress', (progress) =>
      this.events.next({ type: 'progress', progress }),
    );
  }
}
