import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.ts';
import { openDatabase } from '../../src/db/client.ts';
import { freePort } from '../support/process.ts';

/** What an operator reads when DATABASE_URL is wrong: which host and port, and the cause. */
describe('database configuration errors', () => {
  it('refuses a URL of another scheme at configuration time, naming it', () => {
    expect(() => loadEnv({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/ledger' })).toThrow('DATABASE_URL: must be a postgres:// or postgresql:// URL, not mysql:');
    expect(loadEnv({ DATABASE_URL: 'postgresql://127.0.0.1:5432/ledger' }).DATABASE_URL).toBe('postgresql://127.0.0.1:5432/ledger');
  });

  it('an unreachable server: host, port, database and the cause, without the password', async () => {
    const port = await freePort(); // nothing listens there
    const database = await openDatabase({ url: `postgres://ledger:s3cret@127.0.0.1:${port}/books`, dataDir: null });
    try {
      const err = (await database.migrate().catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(database books, from DATABASE_URL\\): ECONNREFUSED`));
      expect(err.message).not.toContain('s3cret');
    } finally {
      await database.close();
    }
  });
});
