import type { Image, ImageStatus } from './images/image';
import type { BuildProgress } from './queues';

/** A batch of log lines; `firstSeq` is the sequence number of `lines[0]` (sequence numbers start at 1). */
export interface LogLinesPayload {
  imageId: string;
  firstSeq: number;
  lines: string[];
}
export interface LogEndPayload {
  imageId: string;
  status: ImageStatus;
  /** Sequence number of the last line (0 when there was none). */
  lastSeq: number;
  truncated: boolean;
}
export interface LogSubscribeRequest {
  imageId: string;
  /** Resume after this sequence number (0 or absent: from the start). */
  afterSeq?: number;
}
export type Ack =
  | { ok: true }
  | { ok: false; error: string; statusCode: number };

export interface ImageEventPayload {
  image: Image;
}
export interface ImageSucceededPayload extends ImageEventPayload {
  durationMs: number;
}
export interface ImageFailedPayload extends ImageEventPayload {
  lastLines: string[];
}

/** Events the server emits to socket.io clients. */
export interface ServerToClientEvents {
  'log:lines': (payload: LogLinesPayload) => void;
  'log:end': (payload: LogEndPayload) => void;
  'image:queued': (payload: ImageEventPayload) => void;
  'image:started': (payload: ImageEventPayload) => void;
  'image:progress': (payload: BuildProgress) => void;
  'image:succeeded': (payload: ImageSucceededPayload) => void;
  'image:failed': (payload: ImageFailedPayload) => void;
  'image:cancelled': (payload: ImageEventPayload) => void;
  'image:activated': (payload: ImageEventPayload) => void;
}

/** Events clients send; each takes an acknowledgement callback. */
export interface ClientToServerEvents {
  'log:subscribe': (
    request: LogSubscribeRequest,
    ack: (result: Ack) => void,
  ) => void;
  'log:unsubscribe': (
    request: { imageId: string },
    ack: (result: Ack) => void,
  ) => void;
}

export const SOCKET_PATH = '/socket.io';
