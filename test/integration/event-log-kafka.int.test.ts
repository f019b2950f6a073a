import { describe, it } from 'vitest';
import { logLevel } from 'kafkajs';
import { KafkaEventLog } from '../../src/log/kafka-event-log.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { eventLogConformance } from './event-log.conformance.ts';

const brokers = await ensureKafka();

if (!brokers) {
  describe.skip('EventLog conformance: kafka (no broker)', () => it('needs a broker'));
} else {
  for (const partitions of [1, 3]) {
    eventLogConformance(`kafka (${partitions} partition${partitions > 1 ? 's' : ''})`, async () => {
      const topic = uniqueTopic(`conformance-p${partitions}`);
      return {
        open: () => new KafkaEventLog({ brokers, topic, partitions, logLevel: logLevel.NOTHING }).start(),
        // A record over the broker's message.max.bytes (1 MB) at the end: the first chunks are sent, then the transaction aborts.
        poison: (batch) => {
          const last = batch[batch.length - 1]!;
          return [...batch.slice(0, -1), { ...last, metadata: { ...last.metadata, actor: 'x'.repeat(1_200_000) } }];
        },
        cleanup: async () => {},
        crossInstanceWakeups: true,
      };
    });
  }
}
