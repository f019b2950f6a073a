import type { KafkaTopology } from '../commands/kafka-command-bus.ts';
import type { Env } from '../config/env.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { type EventLog, partitionOf } from '../log/event-log.ts';
import { kafkaEventLogOptions } from '../log/kafka-config.ts';
import type { KafkaEventLogOptions } from '../log/kafka-event-log.ts';
import type { KafkaLogSink } from '../log/kafka/logs.ts';
import { PostgresEventLog } from '../log/postgres-event-log.ts';
import { SharedReads } from '../log/shared-reads.ts';
import { WriterLease } from '../log/writer-lease.ts';
import type { Projection, Projector } from '../projections/projection.ts';
import { ProjectionRunner } from '../projections/runner.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';

/** The Kafka side of a deployment: the events topic and the commands/replies topics named after it. */
export interface KafkaSetup extends KafkaTopology {
  brokers: string[];
  /** The events topic (`<prefix>.events`). */
  topic: string;
  /** Names the commands/replies topics and the consumer groups, so several ledgers can share a cluster. */
  prefix: string;
  /** Where the projectors' kafkajs lines go. */
  logger: KafkaLogSink | undefined;
}

export interface ProjectorOptions {
  /** Embedded log: after a short batch, wait this long so the next gathers more (default 20 ms on PGlite, 2 ms on a server). */
  coalesceMs?: number;
  /** Embedded log: events per batch at most (default 1,000 on PGlite, SERVER_BATCH on a server). */
  batchSize?: number;
  onError?: (err: unknown, projection: string) => void;
  onBatch?: (projection: string, partition: number, position: number, count: number) => void;
  /**
   * Kafka, startProjectors: read the log through one SharedReads (each page fetched and decoded once for
   * all the projections, each applied at its own pace) instead of a consumer group per projection, which
   * fetches and decodes every record once per projection; what this process's writer appends reaches
   * them from memory. For a process that runs the writer too, where the groups' one gain, sharing
   * partitions among projector processes, has nobody to share with.
   */
  shareReads?: boolean;
}

/** The database (migrated) and the event log, opened the same way by every entry point. */
export interface Storage {
  readonly database: Database;
  readonly log: EventLog;
  /** Set when the log is Kafka; null for the embedded PostgreSQL log. */
  readonly kafka: KafkaSetup | null;
  /** Starts a projector fed by this log: a polling runner on the embedded log, a consumer group member on Kafka. */
  startProjector(projection: Projection, options?: ProjectorOptions): Promise<Projector>;
  /**
   * Starts one projector per projection, as startProjector does; on the embedded log (and on Kafka with
   * `shareReads`) they read through one SharedReads, so each page of events is read and parsed once for
   * all of them, not once each.
   */
  startProjectors(projections: readonly Projection[], options?: ProjectorOptions): Promise<Projector[]>;
  /** Brings projections up to the log's current end from this process, one after the other (tools, rebuild). */
  catchUp(projections: readonly Projection[], onDone?: (projection: string, ms: number) => void): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  /** Use this (already open) database instead of opening one from the environment; close() leaves it open. */
  database?: Database;
  /** Where kafkajs's own lines go (the service's logger), on Kafka. */
  logger?: KafkaLogSink;
}

/**
 * Opens the database named by the environment (DATABASE_URL, else PGlite under LEDGER_DATA_DIR,
 * guarded by the data-dir lock), migrates it, and opens the event log: Kafka when KAFKA_BROKERS is
 * set, else the embedded log. kafkajs is loaded only in the Kafka case. No writer role is taken.
 */
export async function openStorage(env: Env, options: StorageOptions = {}): Promise<Storage> {
  const embeddedOnDisk = !options.database && !env.DATABASE_URL;
  const releaseLock = embeddedOnDisk ? acquireDataDirLock(env.LEDGER_DATA_DIR) : null;
  let database: Database | null = options.database ?? null;
  try {
    database ??= await openDatabase({ url: env.DATABASE_URL ?? null, dataDir: embeddedOnDisk ? env.LEDGER_DATA_DIR : null });
    await database.migrate();
    const kafkaOptions = withLogger(kafkaEventLogOptions(env), options.logger);
    const lease = { leaseMs: env.LEDGER_WRITER_LEASE_MS, exclusive: embeddedOnDisk };
    const log = kafkaOptions
      ? await openKafkaLog(kafkaOptions, new WriterLease(database, { ...lease, id: kafkaLeaseId(kafkaOptions.topic ?? 'ledger.events') }))
      : await new PostgresEventLog(database, lease).start();
    return storageOf(database, log, kafkaOptions ? kafkaSetup(kafkaOptions) : null, async () => {
      await log.close();
      if (!options.database) await database!.close();
      releaseLock?.();
    });
  } catch (err) {
    if (database && !options.database) await database.close().catch(() => {});
    releaseLock?.();
    throw err;
  }
}

async function openKafkaLog(options: KafkaEventLogOptions, lease: WriterLease): Promise<EventLog> {
  const { KafkaEventLog } = await import('../log/kafka-event-log.ts');
  return new KafkaEventLog(options, lease).start();
}

function withLogger(options: KafkaEventLogOptions | null, logger: KafkaLogSink | undefined): KafkaEventLogOptions | null {
  return options && logger ? { ...options, logger } : options;
}

/** A Kafka log's row in writer_lease: one per topic (row 1 is the PostgreSQL log's). */
function kafkaLeaseId(topic: string): number {
  return 2 + partitionOf(topic, 2_000_000_000);
}

/** `<prefix>.events` → `<prefix>.commands` / `<prefix>.replies`, and consumer groups named after the prefix. */
function kafkaSetup(options: KafkaEventLogOptions): KafkaSetup {
  const topic = options.topic ?? 'ledger.events';
  const prefix = topic.replace(/\.events$/, '');
  return { brokers: options.brokers, topic, prefix, replicationFactor: options.replicationFactor, commandsTopic: `${prefix}.commands`, repliesTopic: `${prefix}.replies`, logger: options.logger ?? undefined };
}

/** Events per projector batch on a PostgreSQL server. */
export const SERVER_BATCH = 5000;

function storageOf(database: Database, log: EventLog, kafka: KafkaSetup | null, close: () => Promise<void>): Storage {
  /** A projector on Kafka as a member of its consumer group (one per projection). */
  async function groupMember(projection: Projection, setup: KafkaSetup, options: ProjectorOptions): Promise<Projector> {
    const { KafkaProjectionRunner } = await import('../projections/kafka-runner.ts');
    const groupId = `${setup.prefix}.projector.${projection.name}`;
    const runner = new KafkaProjectionRunner(database.db, projection, { brokers: setup.brokers, topic: setup.topic, groupId, log, ...(setup.logger ? { logger: setup.logger } : {}), ...options });
    await runner.start();
    return runner;
  }
  /** A projector that polls `reads` (the embedded log, or one SharedReads over it or over Kafka). */
  function pollingRunner(projection: Projection, reads: EventLog, options: ProjectorOptions): Projector {
    // PGlite shares one thread with the API: fewer, larger batches there, each short enough not to
    // stall it. A server takes up to 5,000 events per batch when behind (bulk): ~30% faster catch-up
    // than 1,000 (bench/projectors.ts --batch, BENCHMARKS.md).
    const pglite = database.kind === 'pglite';
    const runner = new ProjectionRunner(database.db, reads, projection, { coalesceMs: pglite ? 20 : 2, batchSize: pglite ? 1000 : SERVER_BATCH, ...options });
    runner.start();
    return runner;
  }
  return {
    database,
    log,
    kafka,
    startProjector: async (projection, options = {}) => (kafka ? groupMember(projection, kafka, options) : pollingRunner(projection, log, options)),
    async startProjectors(projections, options = {}) {
      const started: Projector[] = [];
      if (kafka && !options.shareReads) {
        for (const projection of projections) started.push(await groupMember(projection, kafka, options));
        return started;
      }
      // What this process's writer appends is handed over from memory where the read models are on a server (on PGlite it was slower).
      const reads = new SharedReads(log, { appends: database.kind === 'postgres' });
      for (const projection of projections) started.push(pollingRunner(projection, reads, options));
      return started;
    },
    async catchUp(projections, onDone) {
      for (const projection of projections) {
        const started = Date.now();
        await new ProjectionRunner(database.db, log, projection, { batchSize: database.kind === 'pglite' ? 2000 : SERVER_BATCH }).catchUp();
        onDone?.(projection.name, Date.now() - started);
      }
    },
    close,
  };
}
