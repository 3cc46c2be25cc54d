import { BullModule } from '@nestjs/bull';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppsModule } from './apps/apps.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { type AppConfig, ConfigModule } from './config';
import { dataSourceOptions } from './database/data-source';
import { HealthModule } from './health/health.module';
import { ImageLifecycleModule } from './images/image-lifecycle.module';
import { ImagesModule } from './images/images.module';
import { LogsModule } from './logs/logs.module';
import { RedisModule } from './redis/redis.module';
import { StacksModule } from './stacks/stacks.module';
import { StorageModule } from './storage/storage.module';
import { TokensModule } from './tokens/tokens.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** The configuration is parsed before Nest starts, so a bad value never gets as far as a half-built app. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl),
          retryAttempts: 3,
        }),
        RedisModule,
        StorageModule,
        BullModule.forRoot({ url: config.redisUrl }),
        AuditModule,
        UsersModule,
        TokensModule,
        AuthModule,
        StacksModule,
        ImagesModule,
        LogsModule,
        ImageLifecycleModule,
        AppsModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
