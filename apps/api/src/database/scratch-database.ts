import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * A throwaway database next to the one in `databaseUrl` (the role needs CREATEDB), for schema
 * checks and tests that must start from nothing.
 */
export class ScratchDatabase {
  private constructor(
    private readonly adminUrl: string,
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(
    databaseUrl: string,
    label = 'scratch',
  ): Promise<ScratchDatabase> {
    const name = `vr_${label}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    const scratch = new ScratchDatabase(databaseUrl, name, url.toString());
    await scratch.admin(`CREATE DATABASE "${name}"`);
    return scratch;
  }

  async drop(): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
  }

  private async admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
