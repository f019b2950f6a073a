import { EventEmitter } from 'node:events';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { events, writerLease } from '../db/schema.ts';
import type { NewEvent, StoredEvent } from './envelope.ts';
import { type EventLog, LogUnavailableError, WriterFencedError } from './event-log.ts';

const NOTIFY_CHANNEL = 'ledger_events';
const INSERT_CHUNK = 1000;

/**
 * The log as an append-only PostgreSQL table, on PGlite (embedded default) or on a server.
 * One partition; positions have no gaps. Writers are fenced by an epoch in `writer_lease`:
 * each append checks, in its own transaction, that its epoch is still the current one.
 */
export class PostgresEventLog implements EventLog {
  readonly kind = 'postgres' as const;
  readonly partitions = 1;
  private epoch: number | null = null;
  private nextPosition = 0;
  private readonly appended = new EventEmitter();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly database: Database,
    private readonly holder = `pid-${process.pid}`,
  ) {
    this.appended.setMaxListeners(0);
  }

  async start(): Promise<this> {
    if (this.database.sql) {
      // Cross-process wake-ups for projectors and SSE tails running in other processes.
      const sub = await this.database.sql.listen(NOTIFY_CHANNEL, () => this.appended.emit('append'));
      this.unlisten = () => sub.unlisten();
    }
    return this;
  }

  async acquireWriter(): Promise<void> {
    const db = this.database.db;
    const now = new Date().toISOString();
    const rows = await db
      .insert(writerLease)
      .values({ id: 1, epoch: 1, holder: this.holder, acquiredAt: now })
      .onConflictDoUpdate({ target: writerLease.id, set: { epoch: sql`${writerLease.epoch} + 1`, holder: this.holder, acquiredAt: now } })
      .returning({ epoch: writerLease.epoch });
    this.epoch = rows[0]!.epoch;
    const last = await this.last(0);
    this.nextPosition = last ? last.position + 1 : 0;
  }

  async append(batch: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (this.epoch === null) throw new WriterFencedError('acquireWriter() was not called');
    if (batch.length === 0) return [];
    const epoch = this.epoch;
    const first = this.nextPosition;
    const stored: StoredEvent[] = batch.map((e, i) => ({ ...e, partition: 0, position: first + i }));
    try {
      await this.database.db.transaction(async (tx) => {
        // FOR SHARE: a new writer's epoch bump waits for this append to finish, and every append after it sees the new epoch.
        const lease = await tx.select({ epoch: writerLease.epoch }).from(writerLease).where(eq(writerLease.id, 1)).for('share');
        if (lease[0]?.epoch !== epoch) throw new WriterFencedError(`writer epoch ${epoch} was fenced by epoch ${lease[0]?.epoch}`);
        for (let i = 0; i < stored.length; i += INSERT_CHUNK) {
          await tx.insert(events).values(stored.slice(i, i + INSERT_CHUNK).map(toRow));
        }
        if (this.database.sql) await tx.execute(sql`select pg_notify(${NOTIFY_CHANNEL}, '0')`);
      });
    } catch (err) {
      if (err instanceof WriterFencedError) {
        this.epoch = null;
        throw err;
      }
      // The outcome may be unknown (connection lost during COMMIT): re-read the tail before the next append.
      const last = await this.last(0).catch(() => undefined);
      if (last !== undefined) this.nextPosition = last ? last.position + 1 : 0;
      throw new LogUnavailableError(`append failed: ${(err as Error).message}`, { cause: err });
    }
    this.nextPosition = first + stored.length;
    this.appended.emit('append');
    return stored;
  }

  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    if (partition !== 0) return [];
    const rows = await this.database.db
      .select()
      .from(events)
      .where(and(eq(events.partition, 0), gt(events.position, after)))
      .orderBy(asc(events.position))
      .limit(limit);
    return rows.map(fromRow);
  }

  async last(partition: number): Promise<StoredEvent | null> {
    if (partition !== 0) return null;
    const rows = await this.database.db.select().from(events).where(eq(events.partition, 0)).orderBy(desc(events.position)).limit(1);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  waitFor(_partition: number, _after: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.appended.off('append', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.appended.on('append', done);
    });
  }

  async close(): Promise<void> {
    this.appended.emit('append');
    if (this.unlisten) await this.unlisten().catch(() => {});
  }
}

type Row = typeof events.$inferSelect;

function toRow(e: StoredEvent): typeof events.$inferInsert {
  return {
    partition: e.partition,
    position: e.position,
    eventId: e.eventId,
    type: e.type,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    occurredAt: e.occurredAt,
    data: e.data as unknown as Record<string, unknown>,
    metadata: e.metadata,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

function fromRow(r: Row): StoredEvent {
  return {
    eventId: r.eventId,
    type: r.type as StoredEvent['type'],
    streamId: r.streamId,
    streamVersion: r.streamVersion,
    partition: r.partition,
    position: r.position,
    occurredAt: r.occurredAt,
    data: r.data as unknown as StoredEvent['data'],
    metadata: r.metadata,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}
