import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { applyOnce, readCheckpoint } from '../../src/projections/checkpoints.ts';
import type { Projection } from '../../src/projections/projection.ts';
import { ProjectionRunner } from '../../src/projections/runner.ts';
import { commandContext, depositCommand, openAccountCommand } from '../support/commands.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

/** A projection that is NOT idempotent on its own (it counts), so a doubled batch would show. */
const counting: Projection = {
  name: 'counting',
  tables: ['counting_test'],
  async apply(tx, events) {
    await tx.execute(sql`update counting_test set n = n + ${events.length}`);
  },
};

describe.each(BACKENDS)('projection runner on %s', (backend) => {
  it('applies every event exactly once, even with two runners of one projection racing', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      await database.db.execute(sql`create table counting_test (n int not null)`);
      await database.db.execute(sql`insert into counting_test values (0)`);
      const log = await new PostgresEventLog(database).start();
      const engine = new LedgerEngine(log);
      await engine.start();
      await engine.execute(openAccountCommand('a'), commandContext());
      const runners = [new ProjectionRunner(database.db, log, counting, { batchSize: 7 }), new ProjectionRunner(database.db, log, counting, { batchSize: 5 })];
      for (const r of runners) r.start();
      await Promise.all(Array.from({ length: 300 }, () => engine.execute(depositCommand('a', '1'), commandContext())));
      await Promise.all(runners.map((r) => r.catchUp()));
      await Promise.all(runners.map((r) => r.stop()));
      const [row] = rowsOf<{ n: number }>(await database.db.execute(sql`select n from counting_test`));
      expect(row!.n).toBe(301);
      expect(await readCheckpoint(database.db, 'counting', 0)).toBe(300);
      // Overlapping batches (a redelivery, a late seek): only what is past the checkpoint is applied.
      const events = await log.read(0, 290, 100);
      expect(await applyOnce(database.db, counting, 0, events)).toEqual({ position: 300, count: 0 });
      const [again] = rowsOf<{ n: number }>(await database.db.execute(sql`select n from counting_test`));
      expect(again!.n).toBe(301);
      await engine.execute({ type: 'Deposit', accountId: 'a', transactionId: 't-last', amount: '1', reference: null, channel: null, metadata: {} }, commandContext('999'));
      expect(await applyOnce(database.db, counting, 0, await log.read(0, 295, 100))).toEqual({ position: 301, count: 1 });
      const [last] = rowsOf<{ n: number }>(await database.db.execute(sql`select n from counting_test`));
      expect(last!.n).toBe(302);
      await log.close();
    } finally {
      await cleanup();
    }
  });
});
