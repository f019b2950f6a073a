import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineCommand } from '../../src/engine/ledger-engine.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { type CommandContext, LedgerEngine, WriterStandbyError } from '../../src/engine/ledger-engine.ts';
import type { NewEvent, StoredEvent } from '../../src/log/envelope.ts';
import { type EventLog, LogUnavailableError, WriterFencedError } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { PostgresSnapshotStore } from '../../src/engine/postgres-snapshot-store.ts';
import { verifyChain } from '../../src/verify/verify-ledger.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

/** The real log with a switch that makes the next append fail, before or after it reached the database. */
class FaultyLog implements EventLog {
  readonly kind = 'postgres' as const;
  readonly partitions = 1;
  failNext: 'before' | 'after' | null = null;
  constructor(private readonly inner: PostgresEventLog) {}
  acquireWriter = () => this.inner.acquireWriter();
  readonly leaseMs = LEASE_MS;
  tryAcquireWriter = () => this.inner.tryAcquireWriter();
  renewWriter = () => this.inner.renewWriter();
  releaseWriter = () => this.inner.releaseWriter();
  read = (p: number, a: number, l: number) => this.inner.read(p, a, l);
  last = (p: number) => this.inner.last(p);
  waitFor = (p: number, a: number, t: number) => this.inner.waitFor(p, a, t);
  close = () => this.inner.close();
  async append(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const mode = this.failNext;
    this.failNext = null;
    if (mode === 'before') throw new LogUnavailableError('injected: connection refused');
    const stored = await this.inner.append(events);
    if (mode === 'after') throw new LogUnavailableError('injected: commit acknowledgement lost');
    return stored;
  }
}

const LEASE_MS = 1500;

/** Waits until the condition holds (checked every 20 ms), failing after timeoutMs. */
async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let seq = 0;
const ctx = (key?: string, hash = 'h'): CommandContext => ({
  commandId: key ?? `cmd-${++seq}`,
  requestHash: hash,
  correlationId: 'c',
  causationId: null,
  actor: 'test',
  actorRole: 'admin',
  origin: { ip: null, userAgent: null, requestId: null },
});
const open = (accountId: string): EngineCommand => ({ type: 'OpenAccount', accountId, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} });
const deposit = (accountId: string, amount: string): EngineCommand => ({ type: 'Deposit', accountId, transactionId: `t-${++seq}`, amount, reference: null, channel: null, metadata: {} });
const transfer = (from: string, to: string, amount: string): EngineCommand => ({ type: 'Transfer', transactionId: `t-${++seq}`, fromAccountId: from, toAccountId: to, amount, reference: null, metadata: {} });

describe.each(BACKENDS)('LedgerEngine on %s', (backend) => {
  let cleanup: () => Promise<void>;
  let log: FaultyLog;
  let inner: PostgresEventLog;
  let engine: LedgerEngine;
  let database: Awaited<ReturnType<typeof openTestDatabase>>['database'];

  beforeEach(async () => {
    const t = await openTestDatabase(backend);
    cleanup = t.cleanup;
    database = t.database;
    inner = await new PostgresEventLog(database, { leaseMs: LEASE_MS }).start();
    log = new FaultyLog(inner);
    engine = new LedgerEngine(log);
    await engine.start();
    await engine.execute(open('a'), ctx());
    await engine.execute(open('b'), ctx());
    await engine.execute(deposit('a', '100.00'), ctx());
  });
  afterEach(async () => {
    engine.stop();
    await inner.close();
    await cleanup();
  });

  const balance = (id: string) => {
    const s = engine.account(id);
    return s.status === 'none' ? null : s.balance.toFixed(2);
  };

  it('rolls the staged state back when an append fails before reaching the log', async () => {
    log.failNext = 'before';
    await expect(engine.execute(transfer('a', 'b', '60.00'), ctx())).rejects.toBeInstanceOf(LogUnavailableError);
    expect(balance('a')).toBe('100.00');
    // The money is still there to spend: a refused append did not consume it.
    await engine.execute(transfer('a', 'b', '100.00'), ctx());
    expect([balance('a'), balance('b')]).toEqual(['0.00', '100.00']);
    expect((await verifyChain(log)).ok).toBe(true);
  });

  it('takes the log\'s word when the append landed but its acknowledgement was lost', async () => {
    log.failNext = 'after';
    await expect(engine.execute(transfer('a', 'b', '60.00'), ctx('lost-ack'))).rejects.toBeInstanceOf(LogUnavailableError);
    // The engine re-read the tail: the transfer is in its state, and a retry with the same key replays it.
    expect(balance('a')).toBe('40.00');
    const retry = await engine.execute(transfer('a', 'b', '60.00'), ctx('lost-ack'));
    expect(retry.replayed).toBe(true);
    expect(retry.events.map((e) => e.type)).toEqual(['TransferDebited', 'TransferCredited']);
    expect(balance('a')).toBe('40.00');
    await expect(engine.execute(transfer('a', 'b', '60.00'), ctx())).rejects.toMatchObject({ code: 'insufficient_funds' });
    expect((await verifyChain(log)).ok).toBe(true);
  });

  it('isolates a command whose data the log refuses: the rest of its group commit lands', async () => {
    const rejected: Error[] = [];
    engine.stop();
    await engine.release();
    const isolating = new LedgerEngine(log, { onRejected: (err) => rejected.push(err) });
    await isolating.start();
    const poisoned = { ...deposit('a', '1.00'), reference: 'nul \u0000 here' } as EngineCommand;
    const burst = Array.from({ length: 9 }, (_, i) => (i === 4 ? poisoned : deposit('b', '1.00')));
    const results = await Promise.allSettled(burst.map((c) => isolating.execute(c, ctx())));
    expect(results.map((r) => r.status)).toEqual(burst.map((c) => (c === poisoned ? 'rejected' : 'fulfilled')));
    expect((results[4] as PromiseRejectedResult).reason).toMatchObject({ code: 'validation_failed' });
    expect(rejected.length).toBeGreaterThan(0);
    const b = isolating.account('b');
    expect(b.status !== 'none' && b.balance.toFixed(2)).toBe('8.00');
    expect((await verifyChain(log)).ok).toBe(true);
  });

  it('decides a burst in group commits, in arrival order', async () => {
    const appendsBefore = engine.stats.appends;
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => engine.execute(transfer('a', 'b', '1.00'), ctx())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100);
    for (const r of results.slice(100)) expect(r.status === 'rejected' && r.reason instanceof DomainError && r.reason.code).toBe('insufficient_funds');
    expect(engine.stats.appends - appendsBefore).toBeLessThan(100);
    expect(balance('a')).toBe('0.00');
  });

  it('a second engine stands by, warm, while the writer renews its lease, and takes over once it lapses', async () => {
    const other = await new PostgresEventLog(database, { leaseMs: LEASE_MS }).start();
    const second = new LedgerEngine(other, { standbyPollMs: 50 });
    await second.start();
    expect(second.isWriter).toBe(false);
    await expect(second.execute(deposit('a', '1.00'), ctx())).rejects.toBeInstanceOf(WriterStandbyError);
    // The healthy writer is never fenced: it keeps writing for several lease periods.
    for (let i = 0; i < 8; i++) {
      await engine.execute(deposit('a', '1.00'), ctx(`healthy-${i}`));
      await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    }
    expect(engine.isWriter).toBe(true);
    await until(() => second.accountVersion('a') === engine.accountVersion('a'));
    expect(second.account('a')).toEqual(engine.account('a'));

    // The writer stops renewing (as if it died): the standby takes over with the state it kept warm.
    engine.stop();
    await until(() => second.isWriter);
    expect((await second.execute(deposit('a', '1.00'), ctx('healthy-3'))).replayed).toBe(true);
    await second.execute(deposit('a', '1.00'), ctx());
    expect(second.accountVersion('a')).toBe(11);
    // The old writer, back, can no longer append: it learns of the takeover and stands by.
    await expect(engine.execute(deposit('a', '1.00'), ctx())).rejects.toBeInstanceOf(LogUnavailableError);
    expect(engine.isWriter).toBe(false);
    await expect(engine.execute(deposit('a', '1.00'), ctx())).rejects.toBeInstanceOf(WriterStandbyError);
    await expect(inner.append([])).rejects.toBeInstanceOf(WriterFencedError);
    second.stop();
    await other.close();
  });

  it('rebuilds the same state and command index from the log', async () => {
    await engine.execute(transfer('a', 'b', '30.00'), ctx('remember-me'));
    engine.stop();
    await engine.release();
    const rebuilt = new LedgerEngine(inner);
    await rebuilt.start();
    expect(rebuilt.account('a')).toEqual(engine.account('a'));
    expect(rebuilt.account('b')).toEqual(engine.account('b'));
    const again = await rebuilt.execute(transfer('a', 'b', '30.00'), ctx('remember-me'));
    expect(again.replayed).toBe(true);
    await expect(rebuilt.execute(transfer('a', 'b', '31.00'), ctx('remember-me', 'other'))).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });
});

describe.each(BACKENDS)('engine snapshots on %s', (backend) => {
  it('starts from the newest snapshot plus the log after it, with the same state and command index', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      const log = await new PostgresEventLog(database).start();
      const store = new PostgresSnapshotStore(database.db, 'events');
      const first = new LedgerEngine(log, { snapshots: store, snapshotEvery: 10 });
      await first.start();
      await first.execute(open('a'), ctx());
      await first.execute(open('b'), ctx());
      await first.execute(deposit('a', '500.00'), ctx());
      for (let i = 0; i < 12; i++) await first.execute(transfer('a', 'b', '1.00'), ctx(`snap-${i}`));
      await first.snapshot();
      await first.execute(transfer('a', 'b', '5.00'), ctx('after-snapshot'));
      first.stop();
      await first.release();

      const second = new LedgerEngine(log, { snapshots: store });
      await second.start();
      expect(second.startInfo.snapshotUsed).toBe(true);
      expect(second.startInfo.replayedEvents).toBe(2);
      expect(second.account('a')).toEqual(first.account('a'));
      expect(second.account('b')).toEqual(first.account('b'));
      // command ids from before and after the snapshot are still known
      expect((await second.execute(transfer('a', 'b', '1.00'), ctx('snap-3'))).replayed).toBe(true);
      expect((await second.execute(transfer('a', 'b', '5.00'), ctx('after-snapshot'))).replayed).toBe(true);
      await log.close();
    } finally {
      await cleanup();
    }
  });

  it('ignores a snapshot that does not match the log', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      const log = await new PostgresEventLog(database).start();
      const store = new PostgresSnapshotStore(database.db, 'events');
      await store.save({ format: 4, heads: [{ partition: 0, position: 0, hash: 'f'.repeat(64) }], streams: [['account', 'ghost', 1, ['ghost', 'open', 'USD', '1000000', '0', null, '0']]], commands: [], refusals: [], evicted: [-1] });
      const engine = new LedgerEngine(log, { snapshots: store });
      await engine.start();
      expect(engine.startInfo.snapshotUsed).toBe(false);
      expect(engine.account('ghost')).toEqual({ status: 'none' });
      await log.close();
    } finally {
      await cleanup();
    }
  });
});
