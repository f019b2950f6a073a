import postgres from 'postgres';
import { PG_ADMIN_URL } from './pg.ts';

/** Fails fast and loudly when the PostgreSQL server the integration suite needs is not there. */
export default async function setup(): Promise<void> {
  const sql = postgres(PG_ADMIN_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (set TEST_DATABASE_URL): ${(err as Error).message}`);
  } finally {
    await sql.end();
  }
}
