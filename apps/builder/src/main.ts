import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BuilderModule } from './builder.module';
import { ConfigError, loadBuilderConfig } from './config/builder.config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadBuilderConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // An application context: the builder serves no HTTP, it only consumes the queue.
  const app = await NestFactory.createApplicationContext(
    BuilderModule.forConfig(config),
  );
  app.enableShutdownHooks();
  Logger.log(`builder ${config.builderId} started`, 'Builder');
}

bootstrap().catch((err: unknown) => {
  Logger.error(
    err instanceof Error ? (err.stack ?? err.message) : String(err),
    'Builder',
  );
  process.exit(1);
});
