import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { commandContext, depositCommand, openAccountCommand } from '../support/commands.ts';
import { createTestDatabase, selectedBackends } from '../support/pg.ts';

// The projectors of `ledger serve` on PostgreSQL run in a worker thread with their own connections.
describe.each(selectedBackends(['postgres']))('projectors in a worker thread on %s', () => {
  it('project what the engine appends, mirror their positions, catch up on request, and stop cleanly', async () => {
    const db = await createTestDatabase('ledger_thread');
    const system = await startSystem(loadEnv({ DATABASE_URL: db.url }), { logger: silentLogger, projectorThread: true });
    try {
      expect(system.projectors.map((p) => p.name)).toEqual(['ledger', 'audit', 'anomaly', 'general-ledger', 'idempotency']);
      for (const p of system.projectors) expect(p.positions.get(0)).toBe(-1);
      const engine = system.engine!;
      await engine.execute(openAccountCommand('a'), commandContext());
      await Promise.all(Array.from({ length: 50 }, () => engine.execute(depositCommand('a', '2.50'), commandContext())));
      await system.catchUp();
      for (const p of system.projectors) expect(p.positions.get(0)).toBe(50);
      const account = await system.readModels.ledger.queries.account('a');
      expect(account?.balance).toBe('125.00');
      expect(await system.readModels.ledger.position(0)).toBe(50);
    } finally {
      await system.close();
      await db.drop();
    }
  }, 60_000);
});
