import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup';
import { ConfigError, loadConfig, loadDatabaseConfig } from './config';
import { createDataSource } from './database/data-source';
import { runMigrationsLocked } from './database/migrator';
import { UsersService } from './users/users.service';

const logger = new Logger('Main');

async function migrate(databaseUrl: string): Promise<void> {
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  try {
    const { applied } = await runMigrationsLocked(dataSource);
    logger.log(
      applied.length
        ? `applied migrations: ${applied.join(', ')}`
        : 'database schema is up to date',
    );
  } finally {
    await dataSource.destroy();
  }
}

async function serve(): Promise<void> {
  const config = loadConfig();
  await migrate(config.databaseUrl);
  const app = await createApp(config);
  await app.init();

  const firstAdmin = await app
    .get(UsersService)
    .ensureFirstAdmin(config.admin.username, config.admin.password);
  if (firstAdmin?.generatedPassword) {
    // Printed once, to stdout only; it is not stored anywhere in clear.
    process.stdout.write(
      `\nFirst start: created admin user "${firstAdmin.username}" with password: ${firstAdmin.generatedPassword}\n` +
        'Write it down now; it will not be shown again. Change it after signing in.\n\n',
    );
  } else if (firstAdmin) {
    logger.log(
      `first start: created admin user "${firstAdmin.username}" with the password from ADMIN_PASSWORD`,
    );
  }

  await app.listen(config.port, config.host);
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.log(
    `Velociraptor API listening on http://${host}:${config.port}/api (docs at /api/docs)`,
  );
}

async function main(argv: string[]): Promise<void> {
  const command = argv[2];
  if (command === 'migrate') {
    await migrate(loadDatabaseConfig().databaseUrl);
  } else if (command === undefined || command === 'serve') {
    await serve();
  } else {
    throw new ConfigError(
      `unknown command "${command}"; use "migrate" or no argument to serve`,
    );
  }
}

main(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.error(
      error instanceof Error ? (error.stack ?? error.message) : String(error),
    );
  }
  process.exit(1);
});
