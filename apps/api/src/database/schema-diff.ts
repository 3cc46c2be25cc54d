/**
 * Prints the SQL that would bring a freshly migrated database in line with the entities: the body
 * of the next migration after an entity change, or nothing when they agree.
 *
 *   npx nx run api:schema-diff        (DATABASE_URL must allow CREATE DATABASE)
 */
import 'reflect-metadata';
import { loadDatabaseConfig } from '../config';
import { createDataSource } from './data-source';
import { runMigrationsLocked } from './migrator';
import { pendingSchemaChanges } from './schema-check';
import { ScratchDatabase } from './scratch-database';

async function main(): Promise<void> {
  const scratch = await ScratchDatabase.create(
    loadDatabaseConfig().databaseUrl,
    'schemadiff',
  );
  const dataSource = createDataSource(scratch.url);
  try {
    await dataSource.initialize();
    await runMigrationsLocked(dataSource);
    const { up, down } = await pendingSchemaChanges(dataSource);
    if (up.length === 0) {
      process.stdout.write('entities and migrations agree\n');
      return;
    }
    process.stdout.write(
      `-- up\n${up.join(';\n')};\n\n-- down\n${down.join(';\n')};\n`,
    );
    process.exitCode = 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
