import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { ImageEntity } from '../images/image.entity';
import { DashboardEvents } from './dashboard-events';
import { ImageLogController } from './image-log.controller';
import { DbImageLogLookup } from './image-log.lookup';
import { ImageLogService } from './image-log.service';
import { LogArchive } from './log-archive';
import { LogStreamReader } from './log-stream.reader';
import {
  ImageLogLookup,
  LOG_BROADCASTER,
  LogSubscriptions,
  type RoomBroadcaster,
} from './log-subscriptions';
import { LogTailer } from './log-tailer';
import { LogsGateway } from './logs.gateway';
import { SocketAuthenticator } from './socket-auth';
import { SocketServer } from './socket-server';

/** Live and archived build logs over socket.io and REST, and the socket.io server itself. */
@Module({
  imports: [TypeOrmModule.forFeature([ImageEntity]), AuthModule],
  controllers: [ImageLogController],
  providers: [
    SocketServer,
    SocketAuthenticator,
    LogStreamReader,
    LogTailer,
    LogArchive,
    LogSubscriptions,
    ImageLogService,
    DashboardEvents,
    LogsGateway,
    { provide: ImageLogLookup, useClass: DbImageLogLookup },
    {
      provide: LOG_BROADCASTER,
      inject: [SocketServer],
      // Local only: every API process tails the streams its own sockets watch.
      useFactory: (sockets: SocketServer): RoomBroadcaster => ({
        lines: (room, payload) =>
          sockets.server?.local.to(room).emit('log:lines', payload),
        end: (room, payload) =>
          sockets.server?.local.to(room).emit('log:end', payload),
      }),
    },
  ],
  exports: [DashboardEvents, LogStreamReader],
})
export class LogsModule {}
