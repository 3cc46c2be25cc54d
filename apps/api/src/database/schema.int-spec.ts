import { createDataSource } from './data-source';
import { runMigrationsLocked } from './migrator';
import { pendingSchemaChanges } from './schema-check';
import { ScratchDatabase } from './scratch-database';

function databaseUrl(): string {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('run `scripts/services.sh start test` first');
  return url;
}

describe('database schema', () => {
  let scratch: ScratchDatabase;

  beforeEach(async () => {
    scratch = await ScratchDatabase.create(databaseUrl(), 'schema');
  });
  afterEach(async () => {
    await scratch.drop();
  });

  it('entities and migrations agree (no pending schema diff after migrating a fresh database)', async () => {
    const dataSource = createDataSource(scratch.url);
    await dataSource.initialize();
    try {
      const { applied } = await runMigrationsLocked(dataSource);
      expect(applied.length).toBeGreaterThan(0);
      const { up } = await pendingSchemaChanges(dataSource);
      expect(up).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('lets several processes migrate at once: one applies, the others find nothing to do', async () => {
    const sources = [1, 2, 3].map(() => createDataSource(scratch.url));
    await Promise.all(sources.map((source) => source.initialize()));
    try {
      const results = await Promise.all(
        sources.map((source) => runMigrationsLocked(source)),
      );
      const applied = results.map((result) => result.applied.length);
      expect(applied.filter((count) => count > 0)).toHaveLength(1);
      expect(applied.filter((count) => count === 0)).toHaveLength(2);
    } finally {
      await Promise.all(sources.map((source) => source.destroy()));
    }
  });

  it('migrations go down and up again cleanly', async () => {
    const dataSource = createDataSource(scratch.url);
    await dataSource.initialize();
    try {
      await runMigrationsLocked(dataSource);
      while (
        (await dataSource.query(`SELECT 1 FROM migrations LIMIT 1`)).length > 0
      ) {
        await dataSource.undoLastMigration();
      }
      const tables = (await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      )) as unknown[];
      expect(tables).toEqual([]);
      await runMigrationsLocked(dataSource);
      expect((await pendingSchemaChanges(dataSource)).up).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
