/**
 * Engine-only figures (no HTTP): append throughput of the single writer with group commit, and
 * cold start (rebuild from the log) with and without a snapshot.
 *
 *   npx tsx bench/engine.ts [--events 1000000] [--log postgres|pglite]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/client.ts';
import type { LedgerCommand } from '../src/domain/account/commands.ts';
import { type CommandContext, LedgerEngine } from '../src/engine/ledger-engine.ts';
import { PostgresSnapshotStore } from '../src/engine/postgres-snapshot-store.ts';
import { PostgresEventLog } from '../src/log/postgres-event-log.ts';
import { createTestDatabase } from '../test/support/pg.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, log: { type: 'string', default: 'postgres' }, accounts: { type: 'string', default: '10000' } } });
const targetEvents = Number(values.events);
const accountCount = Number(values.accounts);

let seq = 0;
const ctx = (): CommandContext => ({ commandId: `bench-${++seq}`, requestHash: 'h'.repeat(64), correlationId: 'bench', causationId: null, actor: 'bench', actorRole: 'admin', origin: { ip: null, userAgent: null, requestId: null } });

async function main() {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; log: ${values.log}; ${targetEvents} events`);
  const created = values.log === 'postgres' ? await createTestDatabase('ledger_bench_engine') : null;
  const database = await openDatabase({ url: created?.url ?? null, dataDir: null });
  try {
    await database.migrate();
    const log = await new PostgresEventLog(database).start();
    const store = new PostgresSnapshotStore(database.db, 'events');
    const engine = new LedgerEngine(log, { snapshots: store, snapshotEvery: Number.MAX_SAFE_INTEGER });
    await engine.start();
    const ids = Array.from({ length: accountCount }, (_, i) => `acct-${i}`);
    for (let i = 0; i < ids.length; i += 1000) {
      await Promise.all(ids.slice(i, i + 1000).map((id) => engine.execute({ type: 'OpenAccount', accountId: id, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} }, ctx())));
      await Promise.all(ids.slice(i, i + 1000).map((id) => engine.execute({ type: 'Deposit', accountId: id, transactionId: `d-${id}`, amount: '1000000.00', reference: null, channel: null, metadata: {} }, ctx())));
    }
    // Transfers with 256 in flight: each gives 2 events.
    const t0 = performance.now();
    const startEvents = engine.stats.eventsAppended;
    const startAppends = engine.stats.appends;
    let next = 0;
    const transfers = Math.ceil((targetEvents - startEvents) / 2);
    const worker = async () => {
      while (next < transfers) {
        const i = next++;
        const a = (i * 7919) % ids.length;
        const b = (a + 1 + (i % (ids.length - 1))) % ids.length;
        const cmd: LedgerCommand = { type: 'Transfer', transactionId: `t-${i}`, fromAccountId: ids[a]!, toAccountId: ids[b]!, amount: '0.01', reference: null, metadata: {} };
        await engine.execute(cmd, ctx());
      }
    };
    await Promise.all(Array.from({ length: 256 }, worker));
    const secs = (performance.now() - t0) / 1000;
    const events = engine.stats.eventsAppended - startEvents;
    const appends = engine.stats.appends - startAppends;
    console.log(`engine append: ${Math.round(transfers / secs)} transfers/s, ${Math.round(events / secs)} events/s, ${appends} appends (avg ${(events / appends).toFixed(0)} events/append)`);

    const total = engine.stats.eventsAppended;
    let t = performance.now();
    await engine.snapshot();
    console.log(`snapshot write: ${Math.round(performance.now() - t)} ms (${engine.accountCount} accounts, ${seq} commands)`);

    for (const withSnapshot of [false, true]) {
      const cold = new LedgerEngine(log, withSnapshot ? { snapshots: store } : {});
      const rss0 = process.memoryUsage().rss;
      t = performance.now();
      await cold.start();
      const ms = performance.now() - t;
      console.log(
        `cold start ${withSnapshot ? 'from snapshot' : 'full replay  '}: ${(ms / 1000).toFixed(2)} s for ${total} events (${Math.round(total / (ms / 1000))} events/s; replayed ${cold.startInfo.replayedEvents}; rss +${Math.round((process.memoryUsage().rss - rss0) / 2 ** 20)} MiB)`,
      );
    }
    await log.close();
  } finally {
    await database.close();
    await created?.drop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
