import { type Database, openDatabase } from '../../src/db/client.ts';
import { createTestDatabase } from '../../test/support/pg.ts';

/**
 * The database a bench writes into: a new PostgreSQL database (dropped afterwards) unless the log
 * is PGlite, then an in-memory PGlite. Closed (and dropped) when `use` settles.
 */
export async function withScratchDatabase(log: string, name: string, use: (database: Database) => Promise<void>): Promise<void> {
  const created = log === 'pglite' ? null : await createTestDatabase(name);
  const database = await openDatabase({ url: created?.url ?? null, dataDir: null });
  try {
    await use(database);
  } finally {
    await database.close();
    await created?.drop();
  }
}

/** Runs a bench's main and exits with its outcome (drivers' open handles would otherwise keep the process alive). */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
