import type { DataSource } from 'typeorm';

/**
 * Arbitrary constant identifying "Velociraptor schema migrations" among advisory locks.
 * Several API processes may start at once; the first migrates, the others wait and then find nothing to do.
 */
export const MIGRATION_LOCK_KEY = 7_420_150_001;

export interface MigrationResult {
  applied: string[];
}

/** Runs pending migrations while holding a PostgreSQL advisory lock. */
export async function runMigrationsLocked(
  dataSource: DataSource,
): Promise<MigrationResult> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const migrations = await dataSource.runMigrations({
        transaction: 'each',
      });
      return { applied: migrations.map((migration) => migration.name) };
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [
        MIGRATION_LOCK_KEY,
      ]);
    }
  } finally {
    await lockRunner.release();
  }
}
