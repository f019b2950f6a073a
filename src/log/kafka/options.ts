import { Kafka, logLevel as KafkaLogLevel, type RetryOptions } from 'kafkajs';
import { type KafkaLogSink, kafkaLogCreator } from './logs.ts';

export interface KafkaEventLogOptions {
  brokers: string[];
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  clientId?: string;
  /** Defaults to `ledger-writer-<topic>-p0-<last partition>`: the partition set this writer owns. */
  transactionalId?: string;
  /** TCP connect timeout (ms): short, so a dead broker fails a command fast. */
  connectionTimeoutMs?: number;
  /** Per-request timeout (ms). */
  requestTimeoutMs?: number;
  /**
   * How long an append may go without an answer from Kafka (ms): each acknowledged chunk restarts it,
   * so a large batch is not cut off while it progresses; past it the append fails with LogUnavailableError.
   */
  appendTimeoutMs?: number;
  /**
   * Producer retry. The default backs off 5..50 ms: the first send of a transaction often meets
   * CONCURRENT_TRANSACTIONS while the broker still writes the previous commit's markers, and
   * kafkajs's default backoff (300 ms initial) turns that into ~100 ms per transaction.
   */
  producerRetry?: RetryOptions;
  /** Transaction timeout the broker enforces on a writer that vanishes mid-transaction (ms). */
  transactionTimeoutMs?: number;
  /** Bytes per produce request chunk inside one transaction (the broker's default message.max.bytes is 1 MB). */
  maxChunkBytes?: number;
  /** Bytes per partition per fetch when reading. */
  fetchMaxBytes?: number;
  logLevel?: KafkaLogLevel;
  /** Where kafkajs's own lines go (null: kafkajs's console lines). */
  logger?: KafkaLogSink | null;
}

export const FAST_TRANSACTION_RETRY: RetryOptions = { initialRetryTime: 5, maxRetryTime: 50, retries: 20 };

/** The options with every default filled in. */
export type ResolvedKafkaOptions = Required<KafkaEventLogOptions>;

export function resolveKafkaOptions(options: KafkaEventLogOptions): ResolvedKafkaOptions {
  const topic = options.topic ?? 'ledger.events';
  const partitions = options.partitions ?? 1;
  return {
    brokers: options.brokers,
    topic,
    partitions,
    replicationFactor: options.replicationFactor ?? 1,
    clientId: options.clientId ?? 'ledger',
    transactionalId: options.transactionalId ?? `ledger-writer-${topic}-p0-${partitions - 1}`,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 2000,
    requestTimeoutMs: options.requestTimeoutMs ?? 5000,
    appendTimeoutMs: options.appendTimeoutMs ?? 6000,
    producerRetry: options.producerRetry ?? FAST_TRANSACTION_RETRY,
    transactionTimeoutMs: options.transactionTimeoutMs ?? 10_000,
    maxChunkBytes: options.maxChunkBytes ?? 512 * 1024,
    fetchMaxBytes: options.fetchMaxBytes ?? 4 * 1024 * 1024,
    logLevel: options.logLevel ?? KafkaLogLevel.ERROR,
    logger: options.logger ?? null,
  };
}

/** The kafkajs client every connection of one log comes from. */
export function kafkaClient(o: ResolvedKafkaOptions): Kafka {
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    connectionTimeout: o.connectionTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    enforceRequestTimeout: true,
    // Admin and reads: a couple of quick retries, then LogUnavailableError.
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: o.logLevel,
    ...(o.logger ? { logCreator: kafkaLogCreator(o.logger) } : {}),
  });
}
