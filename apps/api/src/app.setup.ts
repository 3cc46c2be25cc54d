import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module';
import { requestIdMiddleware } from './common/middleware/request-id.middleware';
import { type AppConfig, ConfigError } from './config';

export const API_PREFIX = 'api';

export interface CreateAppOptions {
  logger?: LogLevel[] | false;
}

/** Builds the Nest application exactly as production runs it; main.ts and the integration tests share it. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestExpressApplication> {
  const webDist = config.webDistDir ? resolve(config.webDistDir) : undefined;
  if (webDist && !existsSync(join(webDist, 'index.html'))) {
    throw new ConfigError(
      `Invalid configuration: WEB_DIST_DIR has no index.html (${webDist})`,
    );
  }

  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    {
      bodyParser: false,
      logger: options.logger,
    },
  );
  // One trusted hop: the address our proxy appended, not whatever the client put in X-Forwarded-For.
  app.set('trust proxy', config.trustProxy ? 1 : false);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(cookieParser());
  // A stack script may be up to 1 MiB, and JSON escaping can nearly double it.
  app.useBodyParser('json', { limit: '3mb' });
  app.setGlobalPrefix(API_PREFIX);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Velociraptor API')
      .setDescription(
        'Stacks, OS images and apps. Errors are `{ statusCode, error, message, requestId, fields? }`.',
      )
      .addCookieAuth('vr_session')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'personal API token (vr_…)',
      })
      .build(),
  );
  SwaggerModule.setup(`${API_PREFIX}/docs`, app, document);

  if (webDist) serveSpa(app, webDist);
  return app;
}

/** The built SPA: its files, and index.html for every other non-API GET so client-side routes load. */
function serveSpa(app: NestExpressApplication, dir: string): void {
  app.useStaticAssets(dir, { index: false, fallthrough: true });
  const index = join(dir, 'index.html');
  app.use((req: Request, res: Response, next: NextFunction) => {
    const apiPath =
      req.path === `/${API_PREFIX}` ||
      req.path.startsWith(`/${API_PREFIX}/`) ||
      req.path.startsWith('/socket.io');
    if ((req.method !== 'GET' && req.method !== 'HEAD') || apiPath)
      return next();
    res.sendFile(index);
  });
}
