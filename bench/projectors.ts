/**
 * Projector catch-up, each projection on its own: writes a log of transfers through the engine
 * (PostgreSQL or in-memory PGlite), then catches every projection up from position -1 into empty
 * tables, one after the other, and prints events/s per projection.
 *
 *   npx tsx bench/projectors.ts [--log postgres|pglite] [--events 200000] [--accounts 10000] [--batch N (default: what `ledger rebuild` takes, 5,000 on a server, 2,000 on PGlite)] [--only ledger,audit]
 *
 * Profile one projection with `node --cpu-prof --import tsx bench/projectors.ts --only ledger`.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SERVER_BATCH, openStorage } from '../src/app/storage.ts';
import type { Database } from '../src/db/client.ts';
import { loadEnv } from '../src/config/env.ts';
import { type CommandContext, LedgerEngine } from '../src/engine/ledger-engine.ts';
import { FraudConfig } from '../src/domain/fraud/config.ts';
import { ProjectionRunner } from '../src/projections/runner.ts';
import { projections, readModels } from '../src/read-models/registry.ts';
import { runMain, withScratchDatabase } from './lib/scratch.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    log: { type: 'string', default: 'postgres' },
    accounts: { type: 'string', default: '10000' },
    batch: { type: 'string' },
    only: { type: 'string', default: '' },
  },
});
const targetEvents = Number(values.events);
const accountCount = Number(values.accounts);
// As storage.catchUp (ledger rebuild, tools): the batch a real catch-up takes.
const batchSize = values.batch ? Number(values.batch) : values.log === 'pglite' ? 2000 : SERVER_BATCH;

let seq = 0;
const ctx = (): CommandContext => ({ commandId: `bench-${++seq}`, requestHash: 'h'.repeat(64), correlationId: 'bench', causationId: null, actor: 'bench', actorRole: 'admin', origin: { ip: '127.0.0.1', userAgent: 'bench', requestId: null } });

async function writeLog(engine: LedgerEngine): Promise<void> {
  const ids = Array.from({ length: accountCount }, (_, i) => `acct-${i}`);
  for (let i = 0; i < ids.length; i += 1000) {
    const slice = ids.slice(i, i + 1000);
    await Promise.all(slice.map((id) => engine.execute({ type: 'OpenAccount', accountId: id, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} }, ctx())));
    await Promise.all(slice.map((id) => engine.execute({ type: 'Deposit', accountId: id, transactionId: `d-${id}`, amount: '1000000.00', reference: null, channel: null, metadata: {} }, ctx())));
  }
  let next = 0;
  const transfers = Math.ceil((targetEvents - engine.stats.eventsAppended) / 2);
  const worker = async () => {
    while (next < transfers) {
      const i = next++;
      const a = (i * 7919) % ids.length;
      const b = (a + 1 + (i % (ids.length - 1))) % ids.length;
      await engine.execute({ type: 'Transfer', transactionId: `t-${i}`, fromAccountId: ids[a]!, toAccountId: ids[b]!, amount: '0.01', reference: null, metadata: {} }, ctx());
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
}

async function main() {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; log: ${values.log}; ${targetEvents} events, batch ${batchSize}`);
  await withScratchDatabase(values.log, 'ledger_bench_projectors', async (database) => {
    const storage = await openStorage(loadEnv({}), { database });
    const engine = new LedgerEngine(storage.log, {});
    await engine.start();
    const w0 = performance.now();
    await writeLog(engine);
    const total = engine.stats.eventsAppended;
    console.log(`log written: ${total} events in ${((performance.now() - w0) / 1000).toFixed(1)} s`);
    const models = readModels(database.db, { partitions: 1, fraud: new FraudConfig() });
    const only = values.only ? new Set(values.only.split(',')) : null;
    for (const projection of projections(models)) {
      if (only && !only.has(projection.name)) continue;
      const pg0 = await backendCpuMs(database);
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await new ProjectionRunner(database.db, storage.log, projection, { batchSize }).catchUp();
      const secs = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      // CPU of this process (the projector's side; PostgreSQL's own work is in its server): steadier than events/s on a loaded machine.
      const cpuPer1000 = ((cpu.user + cpu.system) / 1000 / total) * 1000;
      const pg = pg0 === null ? null : ((await backendCpuMs(database))! - pg0) / (total / 1000);
      const pgText = pg === null ? '' : `, PostgreSQL ${pg.toFixed(1)}`;
      console.log(`catch-up ${projection.name.padEnd(15)} ${String(Math.round(total / secs)).padStart(7)} events/s (${total} events in ${secs.toFixed(1)} s, CPU ms per 1,000 events: bench ${cpuPer1000.toFixed(1)}${pgText})`);
    }
    await storage.close();
  });
}

/**
 * CPU ms so far of this database's server backends (user + system, from /proc: Linux, server on this
 * machine), or null when that cannot be read (PGlite, another host). Backends that ended are not counted.
 */
async function backendCpuMs(database: Database): Promise<number | null> {
  if (!database.sql) return null;
  const rows = await database.sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return null;
    }
  }
  return ticks * 10; // USER_HZ = 100
}

runMain(main);
