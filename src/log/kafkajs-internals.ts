import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';

/**
 * The two kafkajs internals the Kafka log reads through. kafkajs's public consumer is a consumer
 * group member only (no assign()/fetch at an offset), which makes "read 5000 events of partition p
 * after position x" cost a group join per call. The cluster object behind every kafkajs client
 * can send a plain Fetch at an offset, and kafkajs's own Batch class drops control records and
 * aborted transactions exactly as its read_committed consumer does. Both are reached here, typed
 * narrowly, and checked when a Kafka log starts (checkKafkajsInternals), so a kafkajs upgrade that
 * moves them fails loudly there. Importing this module reaches for nothing: the embedded log never
 * touches these internals, so a kafkajs change cannot break it.
 */

export interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export interface PartitionFetch {
  partition: number;
  highWatermark: string;
  lastStableOffset?: string;
  abortedTransactions: unknown[];
  messages: unknown[];
}

export interface InternalBatch {
  readonly messages: FetchedMessage[];
  isEmptyIncludingFiltered(): boolean;
  lastOffset(): string;
}

interface InternalBroker {
  fetch(request: {
    replicaId?: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: PartitionFetch[] }> }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<InternalBroker>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning?: boolean }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

export const READ_COMMITTED = 1;

type CreateCluster = (options: { isolationLevel: number; allowAutoTopicCreation: boolean; metadataMaxAge?: number }) => InternalCluster;
type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: PartitionFetch) => InternalBatch;

let batchClass: BatchConstructor | null = null;

/** kafkajs's Batch class, loaded and checked on first use. */
function loadBatchClass(): BatchConstructor {
  if (batchClass) return batchClass;
  const loaded: unknown = createRequire(import.meta.url)('kafkajs/src/consumer/batch.js');
  if (typeof loaded !== 'function') throw new Error('kafkajs internals moved: kafkajs/src/consumer/batch.js is not a class');
  batchClass = loaded as BatchConstructor;
  return batchClass;
}

function clusterFactory(kafka: Kafka): CreateCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory: unknown = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') throw new Error('kafkajs internals moved: Kafka has no createCluster');
  return factory as CreateCluster;
}

/**
 * Throws when the internals this module reaches for are not where it expects them. Called when a
 * Kafka log starts, so a kafkajs upgrade that moves them fails at start, not on the first read.
 */
export function checkKafkajsInternals(kafka: Kafka): void {
  loadBatchClass();
  clusterFactory(kafka);
}

export function newBatch(topic: string, fetchedOffset: string, data: PartitionFetch): InternalBatch {
  return new (loadBatchClass())(topic, fetchedOffset, data);
}

/** A kafkajs Cluster configured like the Kafka instance's own clients (brokers, timeouts, retry). */
export function createCluster(kafka: Kafka, isolationLevel: number): InternalCluster {
  return clusterFactory(kafka)({ isolationLevel, allowAutoTopicCreation: false });
}
