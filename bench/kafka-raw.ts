/**
 * Raw kafkajs vs. KafkaEventLog on the same broker, same number of same-sized messages.
 *
 *   npx tsx bench/kafka-raw.ts            # broker: KAFKA_BROKERS or 127.0.0.1:9092 (npm run kafka:start)
 *   BENCH_SENDS=200 BENCH_BATCH=50 npx tsx bench/kafka-raw.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, type RetryOptions, logLevel } from 'kafkajs';
import { GENESIS_HASH, type NewEvent, chainHash, sha256Hex } from '../src/log/envelope.ts';
import { FAST_TRANSACTION_RETRY, KafkaEventLog } from '../src/log/kafka-event-log.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const SENDS = Number(process.env.BENCH_SENDS ?? 200);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const SINGLE_TX = Number(process.env.BENCH_SINGLE_TX ?? 200);
/** kafkajs's documented producer defaults. */
const KAFKAJS_DEFAULT_RETRY: RetryOptions = { initialRetryTime: 300, retries: 5, maxRetryTime: 30_000, factor: 0.2, multiplier: 2 };

const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const run = randomBytes(3).toString('hex');
const topics: string[] = [];
async function topic(name: string): Promise<string> {
  const t = `ledger.bench.${name}.${run}.${topics.length}`;
  await admin.createTopics({ topics: [{ topic: t, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(t);
  return t;
}

let prevHash = GENESIS_HASH;
let version = 0;
function event(): NewEvent {
  const commandId = randomUUID();
  version++;
  const body = {
    eventId: randomUUID(),
    type: 'FundsDeposited' as const,
    streamId: 'acc-bench',
    streamVersion: version,
    partition: 0,
    occurredAt: new Date().toISOString(),
    data: { accountId: 'acc-bench', transactionId: commandId, amount: '10.00', currency: 'EUR', balanceAfter: `${version * 10}.00`, reference: null, metadata: {}, channel: 'cash' },
    metadata: { commandId, requestHash: sha256Hex(commandId), correlationId: commandId, causationId: null, actor: 'bench', actorRole: 'admin' as const, origin: { ip: null, userAgent: null, requestId: null } },
  };
  const hash = chainHash(prevHash, body);
  const e = { ...body, prevHash, hash };
  prevHash = hash;
  return e;
}
const sample = event();
const payload = JSON.stringify({ schemaVersion: 1, ...sample });
const messages = () => Array.from({ length: BATCH }, () => ({ key: 'acc-bench', value: payload, partition: 0 }));

function report(label: string, ms: number, ops: number, msgs: number): void {
  console.log(
    `${label.padEnd(58)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${(ms / ops).toFixed(2).padStart(7)} ms/op  ${Math.round((msgs / ms) * 1000)
      .toString()
      .padStart(7)} msg/s`,
  );
}

console.log(`${SENDS} operations x ${BATCH} messages of ${payload.length} bytes (total ${SENDS * BATCH}); single-event transactions: ${SINGLE_TX}\n`);

{
  const t = await topic('raw');
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: t, acks: -1, messages: messages() }); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < SENDS; i++) await producer.send({ topic: t, acks: -1, messages: messages() });
  report('raw producer, acks=-1, sequential sends', performance.now() - t0, SENDS, SENDS * BATCH);
  await producer.disconnect();
}
{
  const t = await topic('idem');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({ topic: t, acks: -1, messages: messages() });
  const t0 = performance.now();
  for (let i = 0; i < SENDS; i++) await producer.send({ topic: t, acks: -1, messages: messages() });
  report('raw idempotent producer, acks=-1', performance.now() - t0, SENDS, SENDS * BATCH);
  await producer.disconnect();
}
for (const [label, retry] of [
  ['kafkajs default retry', KAFKAJS_DEFAULT_RETRY],
  ['retry 5..50 ms x20', FAST_TRANSACTION_RETRY],
] as const) {
  for (const size of [BATCH, 1]) {
    const t = await topic(`tx${size}`);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `bench-${t}`, retry });
    await producer.connect();
    const ops = size === 1 ? SINGLE_TX : SENDS;
    const msgs = size === 1 ? [{ key: 'acc-bench', value: payload, partition: 0 }] : messages();
    const warm = await producer.transaction();
    await warm.send({ topic: t, acks: -1, messages: msgs });
    await warm.commit();
    const t0 = performance.now();
    for (let i = 0; i < ops; i++) {
      const tx = await producer.transaction();
      await tx.send({ topic: t, acks: -1, messages: msgs });
      await tx.commit();
    }
    report(`raw transactions of ${size}, ${label}`, performance.now() - t0, ops, ops * size);
    await producer.disconnect();
  }
}
for (const [label, retry] of [
  ['kafkajs default retry', KAFKAJS_DEFAULT_RETRY],
  ['retry 5..50 ms x20', FAST_TRANSACTION_RETRY],
] as const) {
  for (const size of [BATCH, 1]) {
    const t = await topic(`log${size}`);
    const log = await new KafkaEventLog({ brokers, topic: t, producerRetry: retry, logLevel: logLevel.NOTHING }).start();
    await log.acquireWriter();
    const ops = size === 1 ? SINGLE_TX : SENDS;
    const batches = Array.from({ length: ops + 1 }, () => Array.from({ length: size }, event));
    await log.append(batches[0]!);
    const t0 = performance.now();
    for (let i = 1; i <= ops; i++) await log.append(batches[i]!);
    report(`KafkaEventLog.append of ${size}, ${label}`, performance.now() - t0, ops, ops * size);
    if (size === BATCH) {
      const r0 = performance.now();
      let n = 0;
      for (let after = -1; ; ) {
        const page = await log.read(0, after, 5000);
        if (page.length === 0) break;
        n += page.length;
        after = page[page.length - 1]!.position;
      }
      report(`KafkaEventLog.read, pages of 5000 (${n} events)`, performance.now() - r0, Math.ceil(n / 5000), n);
      const l0 = performance.now();
      for (let i = 0; i < 20; i++) await log.last(0);
      report('KafkaEventLog.last', performance.now() - l0, 20, 20);
    }
    await log.close();
  }
}
// Fencing takeover: how long a second writer's acquireWriter takes, and what the first one sees.
{
  const t = await topic('fence');
  const a = await new KafkaEventLog({ brokers, topic: t, logLevel: logLevel.NOTHING }).start();
  await a.acquireWriter();
  await a.append([event()]);
  const b = await new KafkaEventLog({ brokers, topic: t, logLevel: logLevel.NOTHING }).start();
  const t0 = performance.now();
  await b.acquireWriter();
  console.log(`\nsecond writer acquireWriter(): ${(performance.now() - t0).toFixed(1)} ms`);
  const t1 = performance.now();
  const err = await a.append([event()]).then(
    () => null,
    (e: unknown) => e,
  );
  console.log(`first writer's next append: ${err instanceof Error ? `${err.name}: ${err.message}` : 'SUCCEEDED (not fenced!)'} after ${(performance.now() - t1).toFixed(1)} ms`);
  await a.close();
  await b.close();
}
await admin.deleteTopics({ topics }).catch(() => {});
await admin.disconnect();
