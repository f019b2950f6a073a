/**
 * A projector process for the crash test: the ledger projection fed by KafkaProjectionRunner.
 * Prints one JSON line per committed batch. Configured by environment (this is a test helper,
 * not src/): PROJECTOR_BROKERS, PROJECTOR_TOPIC, PROJECTOR_GROUP, PROJECTOR_DATABASE_URL,
 * PROJECTOR_DELAY_MS (sleep inside each batch's transaction, to widen the window for kill -9),
 * PROJECTOR_MAX_BYTES (fetch size per partition).
 */
import { sql } from 'drizzle-orm';
import { logLevel } from 'kafkajs';
import { openDatabase } from '../../src/db/client.ts';
import { KafkaProjectionRunner } from '../../src/projections/kafka-runner.ts';
import { ledgerProjection } from '../../src/read-models/ledger/projection.ts';
import type { Projection } from '../../src/projections/projection.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const delayMs = Number(process.env.PROJECTOR_DELAY_MS ?? '0');

const database = await openDatabase({ url: env('PROJECTOR_DATABASE_URL'), dataDir: null, poolSize: 2 });
// Every application of every event, without a unique key: the ledger tables are idempotent by
// design (on conflict do nothing), so only this table can show an event applied twice.
await database.db.execute(sql`create table if not exists projector_applied (event_id uuid not null, partition int not null, position bigint not null)`);
const slowed: Projection = {
  ...ledgerProjection,
  async apply(tx, events) {
    await ledgerProjection.apply(tx, events);
    const rows = JSON.stringify(events.map((e) => ({ id: e.eventId, p: e.partition, o: e.position })));
    await tx.execute(
      sql`insert into projector_applied select (x->>'id')::uuid, (x->>'p')::int, (x->>'o')::bigint from jsonb_array_elements(${rows}::jsonb) x`,
    );
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  },
};
const runner = new KafkaProjectionRunner(database.db, slowed, {
  brokers: env('PROJECTOR_BROKERS').split(','),
  topic: env('PROJECTOR_TOPIC'),
  groupId: env('PROJECTOR_GROUP'),
  maxBytesPerPartition: Number(process.env.PROJECTOR_MAX_BYTES ?? 1024 * 1024),
  sessionTimeoutMs: 6000,
  logLevel: logLevel.NOTHING,
  onBatch: (_name, partition, position, count) => console.log(JSON.stringify({ partition, position, count })),
  onError: (err) => console.error(`projector error: ${String(err)}${err instanceof Error && err.cause ? ` (cause: ${String(err.cause)})` : ""}`),
});
process.on('SIGTERM', () => {
  void runner
    .stop()
    .then(() => database.close())
    .finally(() => process.exit(0));
});
await runner.start();
console.log(JSON.stringify({ started: true }));
