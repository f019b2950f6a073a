import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client.ts';

/** The real PostgreSQL server the integration suite runs against (CI: 127.0.0.1:5432, trust auth). */
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a fresh database on the server for one test file; drop() removes it. */
export async function createTestDatabase(prefix = 'ledger_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export type Backend = 'pglite' | 'postgres';
/** LEDGER_TEST_BACKENDS=pglite (comma-separated) narrows every suite to those backends (.ci/run's Node 24 pass). */
export function selectedBackends<B extends string>(all: readonly B[]): B[] {
  const only = process.env.LEDGER_TEST_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  return only?.length ? all.filter((b) => only.includes(b)) : [...all];
}

export const BACKENDS: Backend[] = selectedBackends<Backend>(['pglite', 'postgres']);

/** A migrated database of either kind; PGlite in memory, PostgreSQL in a fresh database. */
export async function openTestDatabase(backend: Backend): Promise<{ database: Database; url: string | null; cleanup: () => Promise<void> }> {
  if (backend === 'pglite') {
    const database = await openDatabase({ url: null, dataDir: null });
    await database.migrate();
    return { database, url: null, cleanup: () => database.close() };
  }
  const created = await createTestDatabase();
  const database = await openDatabase({ url: created.url, dataDir: null, poolSize: 5 });
  await database.migrate();
  return {
    database,
    url: created.url,
    cleanup: async () => {
      await database.close();
      await created.drop();
    },
  };
}
