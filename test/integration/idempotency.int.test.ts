import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors.ts';
import { type CommandContext, type EngineCommand, LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { PostgresSnapshotStore } from '../../src/engine/postgres-snapshot-store.ts';
import { LogUnavailableError } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { resetProjection } from '../../src/projections/checkpoints.ts';
import { ProjectionRunner } from '../../src/projections/runner.ts';
import { idempotencyProjection } from '../../src/read-models/idempotency/index.ts';
import { idempotencyQueries } from '../../src/read-models/idempotency/queries.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

// The engine's idempotency index bounded to 10 keys in memory: older keys are answered from the
// idempotency read model's table, exactly as from memory, across restarts, and never forgotten.

const ctx = (key: string, body = 'same'): CommandContext => ({ commandId: key, requestHash: `hash-${body}`, correlationId: 'c', causationId: null, actor: 'test', actorRole: 'admin', origin: { ip: null, userAgent: null, requestId: null } });
const open = (accountId: string): EngineCommand => ({ type: 'OpenAccount', accountId, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} });
const deposit = (i: number, amount = '1.00'): EngineCommand => ({ type: 'Deposit', accountId: 'a', transactionId: `t-${i}`, amount, reference: null, channel: null, metadata: {} });
const withdraw = (i: number): EngineCommand => ({ type: 'Withdraw', accountId: 'a', transactionId: `w-${i}`, amount: '999999.00', reference: null, channel: null, metadata: {} });
/** Keys 0..199: every fifth a withdrawal refused for insufficient funds (recorded), the others deposits. */
const commandOf = (i: number, amount?: string): EngineCommand => (i % 5 === 4 ? withdraw(i) : deposit(i, amount));

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(BACKENDS)('bounded idempotency index on %s', (backend) => {
  it('answers keys that left memory from the table: the first result, a conflict on another body, the same refusal; also after restarts', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      const log = await new PostgresEventLog(database).start();
      const table = idempotencyQueries(database.db, log.partitions);
      const snapshots = new PostgresSnapshotStore(database.db, 'events');
      const project = () => new ProjectionRunner(database.db, log, idempotencyProjection).catchUp();
      const engine = new LedgerEngine(log, { commandTable: table, idempotencyMemory: 10, snapshots, snapshotEvery: Number.MAX_SAFE_INTEGER, expiryIntervalMs: 0 });
      await engine.start();
      await engine.execute(open('a'), ctx('open-a'));
      const first = new Map<number, string>();
      const answer = async (engineNow: LedgerEngine, i: number, body = 'same'): Promise<{ ids: string; replayed: boolean } | { code: string }> => {
        try {
          const r = await engineNow.execute(commandOf(i, body === 'same' ? undefined : '2.00'), ctx(`k-${i}`, body));
          return { ids: r.events.map((e) => e.eventId).join(','), replayed: r.replayed };
        } catch (err) {
          return { code: (err as DomainError).code };
        }
      };
      for (let i = 0; i < 200; i++) {
        const r = await answer(engine, i);
        first.set(i, 'ids' in r ? r.ids : r.code);
      }
      // Nothing leaves memory before the projection holds it.
      expect(engine.rememberedCommands).toBe(201);
      await project();
      await engine.execute(deposit(1000), ctx('after-projection'));
      expect(engine.rememberedCommands).toBeLessThanOrEqual(11);

      const retryFirst50 = async (e: LedgerEngine) => {
        for (let i = 0; i < 50; i++) {
          const again = await answer(e, i);
          if (i % 5 === 4) expect(again).toEqual({ code: 'insufficient_funds' });
          else expect(again).toEqual({ ids: first.get(i), replayed: true });
          expect(await answer(e, i, 'other body')).toEqual({ code: 'idempotency_conflict' });
        }
      };
      await retryFirst50(engine);
      expect(engine.account('a')).toMatchObject({ status: 'open' });
      expect(String((engine.account('a') as { balance: unknown }).balance)).toBe('161');
      await engine.snapshot();
      expect((await snapshots.load())!.commands.length + (await snapshots.load())!.refusals.length).toBeLessThanOrEqual(11);
      engine.stop();
      await engine.release();

      // Restarted from the (bounded) snapshot, then from a full replay that evicts as it goes.
      for (const withSnapshot of [true, false]) {
        const restarted = new LedgerEngine(log, { commandTable: table, idempotencyMemory: 10, expiryIntervalMs: 0, ...(withSnapshot ? { snapshots } : {}) });
        await restarted.start();
        expect(restarted.startInfo.snapshotUsed).toBe(withSnapshot);
        expect(restarted.rememberedCommands).toBeLessThanOrEqual(10);
        await retryFirst50(restarted);
        expect(String((restarted.account('a') as { balance: unknown }).balance)).toBe('161');
        restarted.stop();
        await restarted.release();
      }
      await log.close();
    } finally {
      await cleanup();
    }
  });

  it('a standby that takes over answers keys it holds only in the table with their first result', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      const logs = [await new PostgresEventLog(database, { leaseMs: 600 }).start(), await new PostgresEventLog(database, { leaseMs: 600 }).start()];
      const table = idempotencyQueries(database.db, 1);
      const [writer, standby] = logs.map((log) => new LedgerEngine(log, { commandTable: table, idempotencyMemory: 10, expiryIntervalMs: 0, standbyPollMs: 50 }));
      await writer!.start();
      await standby!.start();
      expect(standby!.isWriter).toBe(false);
      await writer!.execute(open('a'), ctx('open-a'));
      const first: string[] = [];
      for (let i = 0; i < 40; i++) first.push((await writer!.execute(deposit(i), ctx(`k-${i}`))).events[0]!.eventId);
      await new ProjectionRunner(database.db, logs[0]!, idempotencyProjection).catchUp();
      await writer!.execute(deposit(40), ctx('k-40'));
      // The standby, tailing the log, lets go of what the table holds too.
      await until(() => standby!.accountVersion('a') === writer!.accountVersion('a') && standby!.rememberedCommands <= 11);

      writer!.stop(); // dies: stops renewing its lease
      await until(() => standby!.isWriter);
      for (let i = 0; i < 20; i++) {
        const again = await standby!.execute(deposit(i), ctx(`k-${i}`));
        expect([again.replayed, again.events[0]!.eventId]).toEqual([true, first[i]]);
      }
      await expect(standby!.execute(deposit(0, '5.00'), ctx('k-0', 'other'))).rejects.toMatchObject({ code: 'idempotency_conflict' });
      expect(String((standby!.account('a') as { balance: unknown }).balance)).toBe('41');
      standby!.stop();
      for (const log of logs) await log.close();
    } finally {
      await cleanup();
    }
  });

  it('answers 503 rather than take a key for new while the table is behind what memory let go (a rebuild catching up)', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      const log = await new PostgresEventLog(database).start();
      const engine = new LedgerEngine(log, { commandTable: idempotencyQueries(database.db, log.partitions), idempotencyMemory: 3, expiryIntervalMs: 0 });
      await engine.start();
      await engine.execute(open('a'), ctx('open-a'));
      for (let i = 0; i < 10; i++) await engine.execute(deposit(i), ctx(`k-${i}`));
      await new ProjectionRunner(database.db, log, idempotencyProjection).catchUp();
      await engine.execute(deposit(10), ctx('k-10'));
      expect(engine.rememberedCommands).toBeLessThanOrEqual(4);

      await resetProjection(database.db, idempotencyProjection);
      await expect(engine.execute(deposit(0), ctx('k-0'))).rejects.toBeInstanceOf(LogUnavailableError);
      await new ProjectionRunner(database.db, log, idempotencyProjection).catchUp();
      expect((await engine.execute(deposit(0), ctx('k-0'))).replayed).toBe(true);
      expect(String((engine.account('a') as { balance: unknown }).balance)).toBe('11');
      engine.stop();
      await engine.release();
      await log.close();
    } finally {
      await cleanup();
    }
  });
});
