/**
 * Engine-only figures (no HTTP): append throughput of the single writer with group commit, the
 * same number of same-sized messages through a raw kafkajs producer (Kafka log), the projector's
 * catch-up rate into PostgreSQL, and cold start (rebuild from the log) with and without a snapshot.
 *
 *   npx tsx bench/engine.ts [--events 1000000] [--log postgres|pglite|kafka] [--accounts 10000] [--hot] [--append-only]
 *                           [--idempotency-projector] [--idempotency-memory N]
 *
 * --hot: every transfer debits one hot account (funded for all of them), credited to the others in turn.
 * --append-only: stop after the append figures and the engine's memory (no catch-up, no cold starts).
 * Memory: the heap after a full GC with the accounts open and funded, and again after the transfers,
 * gives the engine's bytes per account and per remembered transfer command.
 * --idempotency-projector: the idempotency projection runs beside the engine (as in `ledger serve`).
 * --idempotency-memory N: the engine keeps at most N command ids in memory, the rest in the
 * idempotency table (implies --idempotency-projector). Without it the engine runs without the table
 * (nothing leaves memory). A/B of the bound: the same run with --idempotency-projector alone.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openStorage } from '../src/app/storage.ts';
import { loadEnv } from '../src/config/env.ts';
import type { EngineCommand } from '../src/engine/ledger-engine.ts';
import { type CommandContext, LedgerEngine } from '../src/engine/ledger-engine.ts';
import { PostgresSnapshotStore } from '../src/engine/postgres-snapshot-store.ts';
import type { EventLog } from '../src/log/event-log.ts';
import { Kafka, logLevel } from 'kafkajs';
import { idempotencyProjection } from '../src/read-models/idempotency/index.ts';
import { idempotencyQueries } from '../src/read-models/idempotency/queries.ts';
import { ledgerProjection } from '../src/read-models/ledger/projection.ts';
import { runMain, withScratchDatabase } from './lib/scratch.ts';
import { heapAfterGc } from './lib/heap.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    log: { type: 'string', default: 'postgres' },
    accounts: { type: 'string', default: '10000' },
    hot: { type: 'boolean', default: false },
    'append-only': { type: 'boolean', default: false },
    'idempotency-projector': { type: 'boolean', default: false },
    'idempotency-memory': { type: 'string' },
  },
});
const targetEvents = Number(values.events);
const accountCount = Number(values.accounts);
const idempotencyMemory = values['idempotency-memory'] === undefined ? null : Number(values['idempotency-memory']);


let seq = 0;
const ctx = (): CommandContext => ({ commandId: `bench-${++seq}`, requestHash: 'h'.repeat(64), correlationId: 'bench', causationId: null, actor: 'bench', actorRole: 'admin', origin: { ip: null, userAgent: null, requestId: null } });

async function main() {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; log: ${values.log}; ${targetEvents} events`);
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const topic = `ledger.bench.${Date.now()}.events`;
  const env = loadEnv(values.log === 'kafka' ? { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: topic } : {});
  // Each storage opened on the bench's database is a fresh log instance over it (the cold starts open more).
  await withScratchDatabase(values.log, 'ledger_bench_engine', async (database) => {
    const open = () => openStorage(env, { database });
    const storage = await open();
    const log = storage.log;
    const store = new PostgresSnapshotStore(database.db, 'events');
    const bounded = idempotencyMemory === null ? {} : { idempotencyMemory, commandTable: idempotencyQueries(database.db, log.partitions) };
    const engine = new LedgerEngine(log, { snapshots: store, snapshotEvery: Number.MAX_SAFE_INTEGER, ...bounded });
    await engine.start();
    const idempotencyProjector = values['idempotency-projector'] || idempotencyMemory !== null ? await storage.startProjector(idempotencyProjection) : null;
    const heap0 = heapAfterGc();
    const ids = Array.from({ length: accountCount }, (_, i) => `acct-${i}`);
    for (let i = 0; i < ids.length; i += 1000) {
      await Promise.all(ids.slice(i, i + 1000).map((id) => engine.execute({ type: 'OpenAccount', accountId: id, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} }, ctx())));
      // The hot account is funded for every transfer (0.01 each).
      await Promise.all(ids.slice(i, i + 1000).map((id) => engine.execute({ type: 'Deposit', accountId: id, transactionId: `d-${id}`, amount: id === ids[0] && values.hot ? '100000000.00' : '1000000.00', reference: null, channel: null, metadata: {} }, ctx())));
    }
    const heapAccounts = heapAfterGc();
    // Transfers with 256 in flight: each gives 2 events.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const startEvents = engine.stats.eventsAppended;
    const startAppends = engine.stats.appends;
    let next = 0;
    const transfers = Math.ceil((targetEvents - startEvents) / 2);
    const worker = async () => {
      while (next < transfers) {
        const i = next++;
        const a = values.hot ? 0 : (i * 7919) % ids.length;
        const b = (a + 1 + (i % (ids.length - 1))) % ids.length;
        const cmd: EngineCommand = { type: 'Transfer', transactionId: `t-${i}`, fromAccountId: ids[a]!, toAccountId: ids[b]!, amount: '0.01', reference: null, metadata: {} };
        await engine.execute(cmd, ctx());
      }
    };
    await Promise.all(Array.from({ length: 256 }, worker));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const events = engine.stats.eventsAppended - startEvents;
    const appends = engine.stats.appends - startAppends;
    console.log(
      `engine append${values.hot ? ' (one hot account)' : ''}: ${Math.round(transfers / secs)} transfers/s, ${Math.round(events / secs)} events/s, ${appends} appends (avg ${(events / appends).toFixed(0)} events/append); ` +
        `CPU ${((cpu.user + cpu.system) / transfers).toFixed(1)} µs per transfer (this process); load average ${os.loadavg()[0]!.toFixed(1)}`,
    );
    if (values.log === 'kafka') await rawProducer(log, brokers, topic, events, secs);
    await idempotencyProjector?.catchUp();
    await idempotencyProjector?.stop();
    const heapTransfers = heapAfterGc();
    const bound = idempotencyMemory === null ? 'no bound' : `bound ${idempotencyMemory}`;
    console.log(
      `engine memory: heap ${Math.round(heapTransfers / 2 ** 20)} MiB (rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB) with ${accountCount} accounts and ${seq} commands, ${engine.rememberedCommands} in memory (${bound}); ` +
        `${Math.round((heapAccounts - heap0) / accountCount)} bytes per account (open + funded: 2 commands each), ${Math.round((heapTransfers - heapAccounts) / transfers)} bytes per transfer command`,
    );
    if (values['append-only']) {
      await storage.close();
      return;
    }

    // Projector catch-up: the ledger projection from position -1 to the end of the log, into empty tables.
    {
      const c0 = performance.now();
      if (storage.kafka) {
        // A consumer group, as `ledger serve` runs it.
        const projector = await storage.startProjector(ledgerProjection);
        await projector.catchUp();
        await projector.stop();
      } else {
        await storage.catchUp([ledgerProjection]);
      }
      const cSecs = (performance.now() - c0) / 1000;
      console.log(`projector catch-up (ledger projection): ${Math.round(engine.stats.eventsAppended / cSecs)} events/s (${engine.stats.eventsAppended} events in ${cSecs.toFixed(1)} s)`);
    }

    const total = engine.stats.eventsAppended;
    let t = performance.now();
    await engine.snapshot();
    console.log(`snapshot write: ${Math.round(performance.now() - t)} ms (${engine.accountCount} accounts, ${seq} commands)`);

    for (const withSnapshot of [false, true]) {
      const coldStorage = await open();
      const cold = new LedgerEngine(coldStorage.log, { ...bounded, ...(withSnapshot ? { snapshots: store } : {}) });
      const rss0 = process.memoryUsage().rss;
      t = performance.now();
      await cold.start();
      const ms = performance.now() - t;
      console.log(
        `cold start ${withSnapshot ? 'from snapshot' : 'full replay  '}: ${(ms / 1000).toFixed(2)} s for ${total} events (${Math.round(total / (ms / 1000))} events/s; replayed ${cold.startInfo.replayedEvents}; ${cold.rememberedCommands} commands in memory; rss +${Math.round((process.memoryUsage().rss - rss0) / 2 ** 20)} MiB)`,
      );
      await coldStorage.close();
    }
    await storage.close();
  });
}

/**
 * The same number of same-sized messages through a plain kafkajs producer (idempotent, acks=all),
 * one send of RAW_SEND messages in flight at a time: the reference the engine's Kafka rate is a
 * share of. A fixed send size (the engine's one-batch-in-flight average before pipelining), so the
 * reference does not move with the engine's own batch size.
 */
const RAW_SEND = 511;
async function rawProducer(log: EventLog, brokers: string[], topic: string, events: number, engineSecs: number): Promise<void> {
  const sample = (await log.read(0, (await log.last(0))!.position - 1, 1))[0]!;
  const value = Buffer.from(JSON.stringify(sample));
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const rawTopic = `${topic}.raw`;
  await admin.createTopics({ topics: [{ topic: rawTopic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const r0 = performance.now();
  for (let sent = 0; sent < events; sent += RAW_SEND) {
    await producer.send({ topic: rawTopic, acks: -1, messages: Array.from({ length: Math.min(RAW_SEND, events - sent) }, () => ({ key: sample.streamId, value })) });
  }
  const rawSecs = (performance.now() - r0) / 1000;
  await producer.disconnect();
  const rawRate = events / rawSecs;
  console.log(`raw kafkajs producer: ${Math.round(rawRate)} messages/s (${events} × ${value.length} bytes in sends of ${RAW_SEND}); ledger engine = ${((events / engineSecs / rawRate) * 100).toFixed(0)}% of raw`);
}

runMain(main);
