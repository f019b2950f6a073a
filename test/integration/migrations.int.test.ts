import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { createTestDatabase, selectedBackends } from '../support/pg.ts';

/** Several processes starting together on one PostgreSQL (compose's services) migrate one after the other. */
describe.runIf(selectedBackends(['postgres']).length > 0)('migrations on PostgreSQL', () => {
  it('run concurrently from four connection pools: all succeed, each migration applied once', async () => {
    const created = await createTestDatabase();
    const databases = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ url: created.url, dataDir: null, poolSize: 2 })));
    try {
      await Promise.all(databases.map((d) => d.migrate()));
      const rows = await databases[0]!.sql!`select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await Promise.all(databases.map((d) => d.close()));
      await created.drop();
    }
  }, 60_000);
});
