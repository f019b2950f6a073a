import { describe, expect, it } from 'vitest';
import type { CommandContext, EngineCommand } from '../../src/engine/ledger-engine.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { PostgresSnapshotStore } from '../../src/engine/postgres-snapshot-store.ts';
import type { EventLog } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { verifyChain } from '../../src/verify/verify-ledger.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

// A hold placed, the engine stopped, the clock moved past the hold's timeout, a new engine started
// (a restart, and a new writer): the hold expires exactly once, by the engine itself.

let seq = 0;
const ctx = (): CommandContext => ({
  commandId: `cmd-${++seq}`,
  requestHash: 'h',
  correlationId: 'c',
  causationId: null,
  actor: 'test',
  actorRole: 'admin',
  origin: { ip: null, userAgent: null, requestId: null },
});
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

async function countOf(log: EventLog, type: string): Promise<number> {
  let n = 0;
  for (let after = -1; ; ) {
    const page = await log.read(0, after, 1000);
    if (page.length === 0) return n;
    n += page.filter((e) => e.type === type).length;
    after = page.at(-1)!.position;
  }
}

describe.each(BACKENDS)('hold expiry across a restart on %s', (backend) => {
  it('expires a hold exactly once after the engine restarts past its timeout, from the log or from a snapshot', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    const logs: PostgresEventLog[] = [];
    const openLog = async () => {
      const log = await new PostgresEventLog(database).start();
      logs.push(log);
      return log;
    };
    try {
      const now = { t: T0 };
      const clock = () => new Date(now.t);
      const snapshots = new PostgresSnapshotStore(database.db, 'events');
      const first = new LedgerEngine(await openLog(), { clock, expiryIntervalMs: 10, snapshots });
      await first.start();
      const commands: EngineCommand[] = [
        { type: 'OpenAccount', accountId: 'a', currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} },
        { type: 'Deposit', accountId: 'a', transactionId: 'd1', amount: '100.00', reference: null, channel: null, metadata: {} },
        { type: 'PlaceHold', holdId: 'h-log', accountId: 'a', amount: '30.00', counterpartyAccountId: null, timeoutSeconds: 60, reference: null, metadata: {} },
      ];
      for (const c of commands) await first.execute(c, ctx());
      await first.snapshot();
      await first.execute({ type: 'PlaceHold', holdId: 'h-later', accountId: 'a', amount: '20.00', counterpartyAccountId: null, timeoutSeconds: 600, reference: null, metadata: {} }, ctx());
      await new Promise((r) => setTimeout(r, 50));
      expect(first.state('hold', 'h-log').status).toBe('active');
      first.stop();

      now.t = T0 + 120_000;
      const second = new LedgerEngine(await openLog(), { clock, expiryIntervalMs: 10, snapshots });
      await second.start();
      expect(second.startInfo.snapshotUsed).toBe(true);
      await expect.poll(() => second.state('hold', 'h-log').status, { timeout: 5000 }).toBe('expired');
      expect(second.state('hold', 'h-later').status).toBe('active');
      second.stop();

      // A third writer at the same instant finds nothing due: the expiry is in the log and in its index.
      const third = new LedgerEngine(await openLog(), { clock, expiryIntervalMs: 0 });
      await third.start();
      expect(await third.expireDue()).toBe(0);
      expect(await countOf(logs[2]!, 'HoldExpired')).toBe(1);
      const a = third.account('a');
      expect(a.status !== 'none' && [a.balance.toFixed(2), a.held.toFixed(2)]).toEqual(['100.00', '20.00']);
      expect((await verifyChain(logs[2]!)).ok).toBe(true);
    } finally {
      for (const log of logs) await log.close();
      await cleanup();
    }
  });
});
