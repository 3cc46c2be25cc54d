import { Inject, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  type OnGatewayDisconnect,
  type OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import {
  SOCKET_PATH,
  uuidSchema,
  type Ack,
  type ClientToServerEvents,
  type LogSubscribeRequest,
  type ServerToClientEvents,
} from '@velociraptor/domain';
import Redis from 'ioredis';
import type { Socket } from 'socket.io';
import { AppConfig } from '../config';
import {
  LogSubscriptions,
  logRoom,
  type LogWatcher,
} from './log-subscriptions';
import { SocketAuthenticator, SocketAuthError } from './socket-auth';
import { SocketServer, type IoServer, type SocketData } from './socket-server';

type IoSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/**
 * socket.io on the API's port at /socket.io. Handlers are attached by hand
 * (not @SubscribeMessage) so each gets the typed acknowledgement callback and
 * a bad request is answered rather than dropped.
 */
@WebSocketGateway({ path: SOCKET_PATH, serveClient: false })
export class LogsGateway
  implements OnGatewayInit, OnGatewayDisconnect, OnApplicationShutdown
{
  private readonly logger = new Logger(LogsGateway.name);
  private readonly watchers = new Map<string, LogWatcher>();
  private pub: Redis | undefined;
  private sub: Redis | undefined;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(SocketAuthenticator) private readonly auth: SocketAuthenticator,
    @Inject(LogSubscriptions) private readonly subscriptions: LogSubscriptions,
    @Inject(SocketServer) private readonly sockets: SocketServer,
  ) {}

  afterInit(server: IoServer): void {
    // Rooms and broadcasts span every API process.
    this.pub = new Redis(this.config.redisUrl, {
      connectionName: 'vr-api-io-pub',
    });
    this.sub = this.pub.duplicate({ connectionName: 'vr-api-io-sub' });
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    server.adapter(createAdapter(this.pub, this.sub));
    server.use((socket, next) => {
      this.auth
        .authenticate({
          headers: socket.handshake.headers,
          auth: socket.handshake.auth as Record<string, unknown>,
        })
        .then((principal) => {
          socket.data.principal = principal;
          next();
        })
        .catch((err: unknown) => {
          if (err instanceof SocketAuthError) next(err);
          else {
            this.logger.error(`socket authentication failed: ${String(err)}`);
            next(new Error('authentication is unavailable; try again'));
          }
        });
    });
    server.on('connection', (socket) =>
      this.onConnection(socket as unknown as IoSocket),
    );
    this.sockets.set(server);
  }

  handleDisconnect(socket: IoSocket): void {
    const watcher = this.watchers.get(socket.id);
    if (watcher) this.subscriptions.disconnect(watcher);
    this.watchers.delete(socket.id);
  }

  onApplicationShutdown(): void {
    this.pub?.disconnect();
    this.sub?.disconnect();
  }

  private onConnection(socket: IoSocket): void {
    const watcher: LogWatcher = {
      id: socket.id,
      sendLines: (payload) => socket.emit('log:lines', payload),
      sendEnd: (payload) => socket.emit('log:end', payload),
      join: (room) => void socket.join(room),
      leave: (room) => void socket.leave(room),
    };
    this.watchers.set(socket.id, watcher);

    socket.on('log:subscribe', (request: unknown, ack: unknown) => {
      const reply =
        typeof ack === 'function' ? (ack as (r: Ack) => void) : () => undefined;
      const parsed = parseSubscribe(request);
      if (typeof parsed === 'string') {
        reply({ ok: false, error: parsed, statusCode: 400 });
        return;
      }
      this.subscriptions
        .subscribe(watcher, parsed.imageId, parsed.afterSeq)
        .then(
          () => reply({ ok: true }),
          (err: unknown) => {
            const status = (err as { status?: unknown }).status;
            if (status === 404) {
              reply({
                ok: false,
                error: `image ${parsed.imageId} not found`,
                statusCode: 404,
              });
            } else {
              this.logger.error(`log:subscribe failed: ${String(err)}`);
              reply({
                ok: false,
                error: 'the log cannot be read right now',
                statusCode: 503,
              });
            }
          },
        );
    });

    socket.on('log:unsubscribe', (request: unknown, ack: unknown) => {
      const reply =
        typeof ack === 'function' ? (ack as (r: Ack) => void) : () => undefined;
      const imageId = (request as { imageId?: unknown } | null)?.imageId;
      if (typeof imageId !== 'string') {
        reply({ ok: false, error: 'imageId is required', statusCode: 400 });
        return;
      }
      this.subscriptions.unsubscribe(watcher, imageId);
      void socket.leave(logRoom(imageId));
      reply({ ok: true });
    });
  }
}

function parseSubscribe(
  request: unknown,
): Required<LogSubscribeRequest> | string {
  const r = (request ?? {}) as { imageId?: unknown; afterSeq?: unknown };
  if (
    typeof r.imageId !== 'string' ||
    !uuidSchema.safeParse(r.imageId).success
  ) {
    return 'imageId must be an image id (uuid)';
  }
  const afterSeq = r.afterSeq ?? 0;
  if (
    typeof afterSeq !== 'number' ||
    !Number.isInteger(afterSeq) ||
    afterSeq < 0
  ) {
    return 'afterSeq must be a whole number >= 0';
  }
  return { imageId: r.imageId, afterSeq };
}
