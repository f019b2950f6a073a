import { logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../src/log/envelope.ts';
import { LogUnavailableError, WriterFencedError } from '../../src/log/event-log.ts';
import { KafkaEventLog } from '../../src/log/kafka-event-log.ts';
import { WriterLease } from '../../src/log/writer-lease.ts';
import { depositEvent } from '../support/commands.ts';
import { ensureKafka, kafkaScript, uniqueTopic } from '../support/kafka.ts';
import { openTestDatabase } from '../support/pg.ts';

// A private broker on its own port: stopping it does not disturb the suites sharing 127.0.0.1:9092.
const PORT = 19092;
const available = (await ensureKafka()) !== null && !process.env.KAFKA_BROKERS;
if (process.env.KAFKA_BROKERS) console.warn('!! broker outage test skipped: it stops and starts its own broker with scripts/kafka.sh, and KAFKA_BROKERS points elsewhere');

describe.skipIf(!available)('KafkaEventLog: broker outage', () => {
  let log: KafkaEventLog | null = null;

  afterAll(async () => {
    await log?.close();
    await kafkaScript('stop', PORT);
  });

  it('fails fast with LogUnavailableError while the broker is down, and appends again once it is back', async () => {
    await kafkaScript('start', PORT);
    log = await new KafkaEventLog({ brokers: [`127.0.0.1:${PORT}`], topic: uniqueTopic('outage'), logLevel: logLevel.NOTHING }).start();
    await log.acquireWriter();
    let prev = GENESIS_HASH;
    const first = depositEvent({ streamId: 'acc-1', streamVersion: 1, prevHash: prev });
    await log.append([first]);
    prev = first.hash;

    await kafkaScript('stop', PORT);
    const down = depositEvent({ streamId: 'acc-1', streamVersion: 2, prevHash: prev });
    const t0 = Date.now();
    const err = await log.append([down]).then(
      () => null,
      (e: unknown) => e,
    );
    const failedAfter = Date.now() - t0;
    console.log(`append with the broker down failed after ${failedAfter} ms: ${String(err)}`);
    expect(err).toBeInstanceOf(LogUnavailableError);
    expect(failedAfter).toBeLessThan(10_000);
    const t1 = Date.now();
    await expect(log.read(0, -1, 10)).rejects.toBeInstanceOf(LogUnavailableError);
    console.log(`read with the broker down failed after ${Date.now() - t1} ms`);

    await kafkaScript('start', PORT);
    // The failed append never reached the broker; the same log object carries on with a new producer.
    const t2 = Date.now();
    const stored = await log.append([down]);
    console.log(`first append after the restart took ${Date.now() - t2} ms`);
    expect(stored[0]!.position).toBeGreaterThan(0);
    const all = await log.read(0, -1, 10);
    expect(all.map((e) => e.eventId)).toEqual([first.eventId, down.eventId]);
    expect((await log.last(0))?.eventId).toBe(down.eventId);
  }, 110_000);

  it('a writer back from an outage during which a standby took over does not fence it: its lease says it lost the role', async () => {
    await kafkaScript('start', PORT);
    const { database, cleanup } = await openTestDatabase('pglite');
    const topic = uniqueTopic('outage-lease');
    const open = () => new KafkaEventLog({ brokers: [`127.0.0.1:${PORT}`], topic, logLevel: logLevel.NOTHING }, new WriterLease(database, { id: 7, leaseMs: 2000 })).start();
    const writer = await open();
    const standby = await open();
    try {
      expect(await writer.tryAcquireWriter!()).toBe(true);
      await writer.renewWriter!();
      expect(await standby.tryAcquireWriter!()).toBe(false);
      const first = depositEvent({ streamId: 'acc-1', streamVersion: 1 });
      await writer.append([first]);

      // An outage: the writer's append fails and its producer is dropped; the writer cannot renew meanwhile.
      await kafkaScript('stop', PORT);
      await expect(writer.append([depositEvent({ streamId: 'acc-1', streamVersion: 2, prevHash: first.hash })])).rejects.toBeInstanceOf(LogUnavailableError);
      await kafkaScript('start', PORT);
      await new Promise((r) => setTimeout(r, 2100));
      expect(await standby.tryAcquireWriter!()).toBe(true);
      const taken = depositEvent({ streamId: 'acc-1', streamVersion: 2, prevHash: first.hash });
      await standby.append([taken]);

      // Back, the old writer would make a new producer (fencing the new writer's): the lease stops it first.
      await expect(writer.append([depositEvent({ streamId: 'acc-1', streamVersion: 3, prevHash: taken.hash })])).rejects.toBeInstanceOf(WriterFencedError);
      const next = depositEvent({ streamId: 'acc-1', streamVersion: 3, prevHash: taken.hash });
      await standby.append([next]);
      expect((await standby.read(0, -1, 10)).map((e) => e.eventId)).toEqual([first.eventId, taken.eventId, next.eventId]);
    } finally {
      await writer.close();
      await standby.close();
      await cleanup();
    }
  }, 110_000);
});
