import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresCommandBus } from '../../src/commands/postgres-command-bus.ts';
import { PostgresCommandServer } from '../../src/commands/postgres-command-server.ts';
import { WriterOrForward } from '../../src/commands/writer-or-forward.ts';
import type { Database } from '../../src/db/client.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { LogUnavailableError } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { commandContext, depositCommand, openAccountCommand, withdrawCommand } from '../support/commands.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

const LEASE_MS = 600;

function balanceOf(engine: LedgerEngine): string | null {
  const account = engine.account('p-a');
  return account.status === 'none' ? null : account.balance.toFixed(2);
}

/** Commands over PostgreSQL (command_inbox + LISTEN/NOTIFY): an API node and a standby reach whichever engine is the writer. */
describe.skipIf(!BACKENDS.includes('postgres'))('commands over PostgreSQL (command_inbox)', () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  const closers: Array<() => Promise<void>> = [];
  let bus: PostgresCommandBus;
  let writer: Awaited<ReturnType<typeof startEngine>>;

  /** An engine on its own log (its own lease holder), serving command_inbox while it is the writer. */
  const startEngine = async () => {
    const log = await new PostgresEventLog(database, { leaseMs: LEASE_MS }).start();
    const engine = new LedgerEngine(log, { standbyPollMs: 50, expiryIntervalMs: 0 });
    let server: PostgresCommandServer | null = null;
    engine.onRole(async (role) => {
      if (role === 'writer') server ??= await new PostgresCommandServer(engine, database.sql!).start();
      else await server?.close().then(() => (server = null));
    });
    await engine.start();
    const stop = async () => {
      engine.stop();
      await server?.close();
      await log.close();
    };
    closers.push(stop);
    return { engine, log, stop };
  };

  beforeAll(async () => {
    const t = await openTestDatabase('postgres');
    database = t.database;
    cleanup = t.cleanup;
    bus = await new PostgresCommandBus(database.sql!, { timeoutMs: 3000 }).start();
  });
  afterAll(async () => {
    await bus?.close();
    for (const close of closers.reverse()) await close().catch(() => {});
    await cleanup?.();
  });

  it('executes commands on the writer, carries refusals back, replays a retried key, and leaves no row behind', async () => {
    writer = await startEngine();
    expect(writer.engine.isWriter).toBe(true);
    await bus.execute(openAccountCommand('p-a'), commandContext());
    const first = await bus.execute(depositCommand('p-a', '25.00'), commandContext('p-key'));
    expect(first.events.map((e) => [e.type, (e.data as { balanceAfter: string }).balanceAfter])).toEqual([['FundsDeposited', '25.00']]);
    const again = await bus.execute(depositCommand('p-a', '25.00'), commandContext('p-key'));
    expect(again.replayed).toBe(true);
    expect(again.events[0]!.eventId).toBe(first.events[0]!.eventId);
    await expect(bus.execute(withdrawCommand('p-a', '1000.00'), commandContext())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'insufficient_funds');
    // Concurrent commands share group commits.
    const appends = writer.engine.stats.appends;
    await Promise.all(Array.from({ length: 50 }, () => bus.execute(depositCommand('p-a', '1.00'), commandContext())));
    expect(writer.engine.stats.appends - appends).toBeLessThan(50);
    expect(balanceOf(writer.engine)).toBe('75.00');
    expect(await database.sql!`select * from command_inbox`).toHaveLength(0);
  });

  it('a standby forwards to the writer, waits through a takeover, and uses its own engine once it is the writer', async () => {
    const standby = await startEngine();
    expect(standby.engine.isWriter).toBe(false);
    const routed = new WriterOrForward(standby.engine, () => new PostgresCommandBus(database.sql!, { timeoutMs: 5000 }).start());
    closers.push(() => routed.close());
    const forwarded = await routed.execute(depositCommand('p-a', '2.00'), commandContext('via-standby'));
    expect(forwarded.replayed).toBe(false);

    // The writer dies (stops renewing and serving): a command sent now waits for the standby's takeover.
    await writer.stop();
    const during = await routed.execute(depositCommand('p-a', '3.00'), commandContext('during-takeover'));
    expect(during.replayed).toBe(false);
    expect(standby.engine.isWriter).toBe(true);
    const appends = standby.engine.stats.appends;
    const replay = await routed.execute(depositCommand('p-a', '2.00'), commandContext('via-standby'));
    expect(replay.replayed).toBe(true);
    expect(replay.events[0]!.eventId).toBe(forwarded.events[0]!.eventId);
    expect(standby.engine.stats.appends).toBe(appends);
    expect(balanceOf(standby.engine)).toBe('80.00');
  });

  it('answers 503 (log_unavailable) within its time while no writer is active, and withdraws the command', async () => {
    for (const close of closers.splice(0).reverse()) await close();
    const quick = await new PostgresCommandBus(database.sql!, { timeoutMs: 400 }).start();
    closers.push(() => quick.close());
    const started = Date.now();
    await expect(quick.execute(depositCommand('p-a', '5.00'), commandContext('nobody-there'))).rejects.toBeInstanceOf(LogUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await database.sql!`select * from command_inbox`).toHaveLength(0);
    // The next writer never sees it: nothing applied under that key.
    const next = await startEngine();
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect(next.engine.isWriter).toBe(true);
    const applied = await bus.execute(depositCommand('p-a', '5.00'), commandContext('nobody-there'));
    expect(applied.replayed).toBe(false);
  });
});
