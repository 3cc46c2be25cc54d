import { Inject, Injectable } from '@nestjs/common';
import type { BuildProgress, Image } from '@velociraptor/domain';
import { SocketServer } from './socket-server';

/**
 * `image:*` events for every signed-in socket. `all` goes through the Redis
 * adapter to the sockets of every API process; `local` reaches this process's
 * sockets only, for events every process sees by itself (Redis pub/sub, Bull
 * global events), so nobody gets them twice.
 */
@Injectable()
export class DashboardEvents {
  constructor(@Inject(SocketServer) private readonly sockets: SocketServer) {}

  queued(image: Image): void {
    this.sockets.server?.local.emit('image:queued', { image });
  }

  progress(progress: BuildProgress): void {
    this.sockets.server?.local.emit('image:progress', progress);
  }

  started(image: Image): void {
    this.sockets.server?.emit('image:started', { image });
  }

  succeeded(image: Image, durationMs: number): void {
    this.sockets.server?.emit('image:succeeded', { image, durationMs });
  }

  failed(image: Image, lastLines: string[]): void {
    this.sockets.server?.emit('image:failed', { image, lastLines });
  }

  cancelled(image: Image): void {
    this.sockets.server?.emit('image:cancelled', { image });
  }

  activated(image: Image): void {
    this.sockets.server?.emit('image:activated', { image });
  }
}
