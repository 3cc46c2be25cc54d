import { Injectable } from '@nestjs/common';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '@velociraptor/domain';
import type { Server } from 'socket.io';
import type { Principal } from '../common/request-context';

export interface SocketData {
  principal: Principal;
}

export type IoServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** Holds the socket.io server once the gateway is up, for services that emit outside a handler. */
@Injectable()
export class SocketServer {
  private current: IoServer | undefined;

  set(server: IoServer): void {
    this.current = server;
  }

  get server(): IoServer | undefined {
    return this.current;
  }
}
