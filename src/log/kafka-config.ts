import type { Env } from '../config/env.ts';
import type { KafkaEventLogOptions } from './kafka-event-log.ts';

/**
 * Kafka log options from the parsed environment, for the composition root (`ledger serve`):
 * null when KAFKA_BROKERS is not set, i.e. the embedded PostgreSQL log is used.
 */
export function kafkaEventLogOptions(env: Pick<Env, 'KAFKA_BROKERS' | 'KAFKA_TOPIC' | 'KAFKA_PARTITIONS' | 'KAFKA_REPLICATION_FACTOR'>): KafkaEventLogOptions | null {
  if (!env.KAFKA_BROKERS) return null;
  return {
    brokers: env.KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter((b) => b.length > 0),
    topic: env.KAFKA_TOPIC,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
  };
}
