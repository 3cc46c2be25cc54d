import { InjectionToken } from '@angular/core';
import type {
  Ack,
  LogEndPayload,
  LogLinesPayload,
  LogSubscribeRequest,
} from '@velociraptor/domain';

/** What a live log needs from the socket; the socket service implements it, tests fake it. */
export interface LogTransport {
  isConnected(): boolean;
  /** Called on every (re)connection; returns a function that removes the listener. */
  onConnect(listener: () => void): () => void;
  onLines(listener: (payload: LogLinesPayload) => void): () => void;
  onEnd(listener: (payload: LogEndPayload) => void): () => void;
  subscribeLog(request: LogSubscribeRequest): Promise<Ack>;
  unsubscribeLog(imageId: string): void;
}

export const LOG_TRANSPORT = new InjectionToken<LogTransport>('LogTransport');
