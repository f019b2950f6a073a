// Records written before the layout change (seven headers, the value as JSON.stringify wrote it) must
// still be read, replayed and verified, with records of the new layout appended after them.
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { GENESIS_HASH, type NewEvent } from '../../src/log/envelope.ts';
import { EVENT_SCHEMA_VERSION, KafkaEventLog } from '../../src/log/kafka-event-log.ts';
import { verifyChain } from '../../src/verify/verify-ledger.ts';
import { commandContext, depositCommand, depositEvent } from '../support/commands.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';

const brokers = await ensureKafka();

/** A record as the first writer encoded it. */
function oldRecord(e: NewEvent) {
  const { eventId, type, streamId, streamVersion, partition, occurredAt, data, metadata, prevHash, hash } = e;
  return {
    key: streamId,
    value: Buffer.from(JSON.stringify({ schemaVersion: EVENT_SCHEMA_VERSION, eventId, type, streamId, streamVersion, partition, occurredAt, data, metadata, prevHash, hash })),
    headers: {
      'schema-version': String(EVENT_SCHEMA_VERSION),
      'content-type': 'application/json',
      'event-type': type,
      'event-id': eventId,
      'stream-id': streamId,
      'stream-version': String(streamVersion),
      'command-id': metadata.commandId,
    },
  };
}

if (!brokers) {
  describe.skip('Kafka records in the old layout (no broker)', () => it('needs a broker'));
} else {
  it('reads, replays and verifies records in the old layout, then appends new ones after them', async () => {
    const topic = uniqueTopic('old-layout');
    const log = await new KafkaEventLog({ brokers, topic, partitions: 1, logLevel: logLevel.NOTHING }).start();
    const old: NewEvent[] = [];
    for (let v = 1; v <= 3; v++) old.push(depositEvent({ streamId: 'acct-old', streamVersion: v, prevHash: old[v - 2]?.hash ?? GENESIS_HASH }));
    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: old.map((e) => ({ ...oldRecord(e), partition: 0 })) });
    await producer.disconnect();

    const engine = new LedgerEngine(log, { expiryIntervalMs: 0 });
    await engine.start();
    const account = engine.account('acct-old');
    expect(account.status === 'open' && account.balance.toFixed(2)).toBe('2.00');
    await engine.execute(depositCommand('acct-old', '5.00'), commandContext());

    const read = await log.read(0, -1, 10);
    expect(read.slice(0, 3)).toEqual(old.map((e, position) => ({ ...e, position })));
    expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4]);
    const chain = await verifyChain(log);
    expect(chain.firstBreak).toBeNull();
    expect(chain.events).toBe(4);
    const replayed = new LedgerEngine(log, { expiryIntervalMs: 0 });
    await replayed.start();
    const after = replayed.account('acct-old');
    expect(after.status === 'open' && after.balance.toFixed(2)).toBe('7.00');
    replayed.stop();
    engine.stop();
    await log.close();
  }, 60_000);
}
