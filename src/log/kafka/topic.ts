import type { Kafka } from 'kafkajs';
import type { ResolvedKafkaOptions } from './options.ts';
import { unavailable } from './errors.ts';

class TopicMismatchError extends Error {}

/**
 * Creates the log's topic when missing (infinite retention, min.insync.replicas 2 where there are
 * replicas for it, no unclean leader election) and checks its partition count when present.
 */
export async function ensureTopic(kafka: Kafka, o: ResolvedKafkaOptions): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(o.topic)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: o.topic,
            numPartitions: o.partitions,
            replicationFactor: o.replicationFactor,
            configEntries: [
              { name: 'retention.ms', value: '-1' },
              { name: 'retention.bytes', value: '-1' },
              { name: 'min.insync.replicas', value: String(Math.min(2, o.replicationFactor)) },
              { name: 'unclean.leader.election.enable', value: 'false' },
            ],
          },
        ],
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [o.topic] });
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count !== o.partitions) throw new TopicMismatchError(`topic ${o.topic} has ${count} partitions, this log is configured for ${o.partitions}`);
  } catch (err) {
    throw err instanceof TopicMismatchError ? err : unavailable('cannot reach Kafka to create the topic', err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
