import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { Database } from '../../core/db/database.ts';

export interface TestDatabase {
  url: string;
  name: string;
  db: Database;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('dbAdminUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of this test file's own: a clone of the run's template. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `concierge_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated === false ? 'template0' : inject('dbTemplate');
  await admin(async (client) => {
    // Cloning fails while another session is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test(String((error as Error).message))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  const url = new URL(inject('dbAdminUrl'));
  url.pathname = `/${name}`;
  const db = Database.connect(url.toString(), { poolMax: 5 });
  return {
    url: url.toString(),
    name,
    db,
    async drop() {
      await db.close();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
