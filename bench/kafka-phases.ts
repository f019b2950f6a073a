/**
 * Where the time of one Kafka transaction goes (begin / send / commit), and what alternating
 * transactional producers changes: the same batches through one transactional producer, then
 * through two that take turns.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx bench/kafka-phases.ts [--batches 300] [--size 511]
 */
import { parseArgs } from 'node:util';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { FAST_TRANSACTION_RETRY } from '../src/log/kafka-event-log.ts';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '300' }, size: { type: 'string', default: '511' } } });
const BATCHES = Number(values.batches);
const SIZE = Number(values.size);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'bench-phases', brokers, logLevel: logLevel.NOTHING });
const value = Buffer.from('x'.repeat(783));
const messages = Array.from({ length: SIZE }, (_, i) => ({ key: `acct-${i % 100}`, value, partition: 0 }));

async function run(label: string, producers: Producer[], topic: string): Promise<void> {
  const phase = { begin: 0, send: 0, commit: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) {
    const p = producers[i % producers.length]!;
    let t = performance.now();
    const tx = await p.transaction();
    phase.begin += performance.now() - t;
    t = performance.now();
    await tx.send({ topic, acks: -1, messages });
    phase.send += performance.now() - t;
    t = performance.now();
    await tx.commit();
    phase.commit += performance.now() - t;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const per = (x: number) => (x / BATCHES).toFixed(2);
  console.log(
    `${label.padEnd(34)} ${Math.round((BATCHES * SIZE) / (ms / 1000))} msg/s; per transaction ${per(ms)} ms = begin ${per(phase.begin)} + send ${per(phase.send)} + commit ${per(phase.commit)}; CPU ${((cpu.user + cpu.system) / 1000 / BATCHES).toFixed(2)} ms/tx`,
  );
}

const admin = kafka.admin();
await admin.connect();
const topics: string[] = [];
for (let round = 0; round < 2; round++) {
  for (const n of [1, 2]) {
    const topic = `ledger.bench.phases.${Date.now()}.${n}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    topics.push(topic);
    const producers = Array.from({ length: n }, (_, k) =>
      kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `${topic}-${k}`, retry: FAST_TRANSACTION_RETRY, allowAutoTopicCreation: false }),
    );
    for (const p of producers) {
      await p.connect();
      const tx = await p.transaction();
      await tx.send({ topic, acks: -1, messages: messages.slice(0, 1) });
      await tx.commit();
    }
    await run(`${n} transactional producer(s), turns`, producers, topic);
    for (const p of producers) await p.disconnect();
  }
  const topic = `ledger.bench.phases.${Date.now()}.raw`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(topic);
  const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await raw.connect();
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) await raw.send({ topic, acks: -1, messages });
  console.log(`${'raw idempotent producer'.padEnd(34)} ${Math.round((BATCHES * SIZE) / ((performance.now() - t0) / 1000))} msg/s`);
  await raw.disconnect();
}
await admin.deleteTopics({ topics }).catch(() => {});
await admin.disconnect();
