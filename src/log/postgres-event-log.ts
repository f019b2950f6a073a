import { EventEmitter } from 'node:events';
import { type SQL, and, asc, desc, eq, gt, lte, sql } from 'drizzle-orm';
import { type Database, rowsOf } from '../db/client.ts';
import { events } from '../db/schema.ts';
import { type NewEvent, type StoredEvent, contentJson, storedEvent } from './envelope.ts';
import { assert } from '../assert.ts';
import { AppendNotWrittenError, type AppendOptions, type AppendedRun, type EventLog, LogRejectedError, LogUnavailableError, WriterFencedError } from './event-log.ts';
import { WriterLease, type WriterLeaseOptions } from './writer-lease.ts';

const NOTIFY_CHANNEL = 'ledger_events';

export interface PostgresEventLogOptions extends Omit<WriterLeaseOptions, 'id'> {
  /**
   * Appends in flight at once (default: 2 on a server, 1 on PGlite). Pipelining pays where the
   * database works in another process while the engine decides the next batch; PGlite's one WASM
   * thread is already the embedded mode's limit, and there the smaller batches only cost CPU
   * (BENCHMARKS.md, "Pipelined appends on PostgreSQL").
   */
  pipeline?: number;
}

/**
 * The log as an append-only PostgreSQL table, on PGlite (embedded default) or on a server.
 * One partition; positions have no gaps. The writer role is a lease in `writer_lease`: the writer
 * renews it; a standby takes it only once it expired, bumping the epoch in the same statement; and
 * each append checks, in its own transaction, that its epoch is still the current one, so a writer
 * that lost the lease can never append again (the takeover waits for an append in flight).
 */
export class PostgresEventLog implements EventLog {
  readonly kind = 'postgres' as const;
  readonly partitions = 1;
  /** Where the next append goes: after the last append sent; null after a failed one (read again before the next plain append). */
  private tail: Tail | null = null;
  /** Settles when the last append called settled: a plain append starts after it. */
  private previous: Promise<void> = Promise.resolve();
  /** Resolves once the last append called was sent (with where it ends), or null if it failed before: a pipelined append goes after it. */
  private sent: Promise<Tail | null> = Promise.resolve(null);
  readonly pipeline: number;
  private readonly appended = new EventEmitter();
  /** The last position an append of this instance stored: waitFor needs no query to see past it. */
  private stored = -1;
  private unlisten: (() => Promise<void>) | null = null;
  private closed = false;

  private readonly lease: WriterLease;
  readonly leaseMs: number;

  constructor(
    private readonly database: Database,
    options: PostgresEventLogOptions = {},
  ) {
    const { pipeline, ...lease } = options;
    this.pipeline = pipeline ?? (database.kind === 'postgres' ? 2 : 1);
    assert(Number.isInteger(this.pipeline) && this.pipeline >= 1, 'at least one append in flight');
    this.lease = new WriterLease(database, { ...lease, id: 1 });
    this.leaseMs = this.lease.leaseMs;
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

  /** Takes the writer role now, whoever holds it (tools, tests): the previous writer is fenced. */
  async acquireWriter(): Promise<void> {
    await this.lease.take();
    await this.readTail();
  }

  /** Takes the writer role only if its lease expired (or nobody ever held it): false while a live writer renews it. */
  async tryAcquireWriter(): Promise<boolean> {
    if ((await this.lease.tryTake()) === null) return false;
    await this.readTail();
    return true;
  }

  /** Extends this writer's lease; WriterFencedError when another writer took it over. */
  renewWriter(): Promise<void> {
    return this.lease.renew();
  }

  /** Gives the role up (clean shutdown): a standby takes over at once. */
  releaseWriter(): Promise<void> {
    return this.lease.release();
  }

  private async readTail(): Promise<void> {
    const last = await this.last(0);
    this.tail = last ? { position: last.position, eventId: last.eventId } : { position: -1, eventId: null };
  }

  /**
   * Appends in call order. A plain append starts once every earlier one settled (re-reading the
   * tail first if one failed). A pipelined one is sent as soon as the append before it was sent,
   * on the one connection they share (`ordered`), so PostgreSQL runs them in that order; it inserts
   * only if the last event of that append is stored at the position just before its own: it commits
   * only after its predecessor did, never without it (AppendNotWrittenError otherwise).
   */
  append(batch: readonly NewEvent[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    const settledBefore = this.previous;
    const sentBefore = this.sent;
    let markSent!: (tail: Tail | null) => void;
    this.sent = new Promise((resolve) => (markSent = resolve));
    const run = (async () => {
      try {
        const after = options.pipelined ? await sentBefore : await settledBefore.then(() => this.knownTail());
        if (after === null) throw new AppendNotWrittenError();
        return await this.write(batch, after, markSent);
      } finally {
        markSent(null); // no-op once write() marked it sent
      }
    })();
    this.previous = Promise.all([settledBefore, run.catch(() => undefined)]).then(() => undefined);
    return run;
  }

  /** The tail to append after: as the last append left it, or read again after a failed one. */
  private async knownTail(): Promise<Tail> {
    if (this.tail === null) {
      await this.readTail().catch((err: unknown) => {
        throw new LogUnavailableError(`append failed: the log's tail cannot be read: ${(err as Error).message}`, { cause: err });
      });
    }
    assert(this.tail !== null, 'the tail is known once read');
    return this.tail;
  }

  /** One statement: the batch right after `after`, if this writer's epoch is current and `after` is stored. */
  private async write(batch: readonly NewEvent[], after: Tail, markSent: (tail: Tail) => void): Promise<StoredEvent[]> {
    const epoch = this.lease.epoch;
    if (epoch === null) throw new WriterFencedError('this log does not hold the writer role');
    const first = after.position + 1;
    if (batch.length === 0) {
      markSent(after);
      return [];
    }
    const written = this.insert(batch, first, after.eventId, epoch);
    const sent: Tail = { position: first + batch.length - 1, eventId: batch[batch.length - 1]!.eventId };
    this.tail = sent;
    markSent(sent);
    let result: { leased: number; n: number };
    try {
      result = await written;
    } catch (err) {
      this.tail = null;
      // One statement that failed on its data wrote nothing: the log is fine, the batch is not.
      if (isDataException(err)) throw new LogRejectedError(`the log refused the batch's data: ${(err as Error).message}`, { cause: err });
      // The outcome may be unknown (connection lost during COMMIT): the tail is read again before the next plain append.
      throw new LogUnavailableError(`append failed: ${(err as Error).message}`, { cause: err });
    }
    if (result.n === batch.length) {
      if (this.database.sql) void this.database.sql`select pg_notify(${NOTIFY_CHANNEL}, '0')`.catch(() => {});
      const stored = batch.map((e, i) => ({ ...e, partition: 0, position: first + i }));
      this.stored = Math.max(this.stored, sent.position);
      try {
        this.appended.emit('stored', [{ partition: 0, after: after.position, events: stored }] satisfies AppendedRun[]);
      } catch {
        // The append is durable whatever a listener does; a listener's fault must not fail it.
      }
      this.appended.emit('append');
      return stored;
    }
    assert(result.n === 0, 'an append stores all of its batch or none of it');
    this.tail = null;
    if (result.leased === 0) {
      if (this.lease.epoch === epoch) this.lease.epoch = null;
      throw new WriterFencedError(`writer epoch ${epoch} was fenced by a newer writer`);
    }
    // The writer holds the role but the append before this one is not stored: it failed.
    throw new AppendNotWrittenError();
  }

  /**
   * The rows go in as one JSON parameter, so one round trip and atomic on its own. FOR SHARE on the
   * lease makes a new writer's epoch bump wait for this append, and every append after the bump sees
   * the new epoch. The predecessor check (an index probe: the event at the position before, or none
   * at all before position 0) chains appends: it sees the one sent before on the same connection,
   * committed or not there at all.
   */
  private async insert(batch: readonly NewEvent[], first: number, predecessor: string | null, epoch: number): Promise<{ leased: number; n: number }> {
    const rows = rowsOf<{ leased: number; n: number }>(
      await this.database.ordered.execute(sql`
        with lease as (select 1 from writer_lease where id = 1 and epoch = ${epoch} for share),
        ins as (
          insert into events (partition, position, event_id, type, stream_id, stream_version, occurred_at, data, metadata, prev_hash, hash)
          select x.partition, x.position, x.event_id, x.type, x.stream_id, x.stream_version, x.occurred_at, x.data, x.metadata, x.prev_hash, x.hash
          from jsonb_to_recordset(${rowsJson(batch, first)}::jsonb) as x(partition int, position bigint, event_id uuid, type text, stream_id text, stream_version int,
               occurred_at text, data jsonb, metadata jsonb, prev_hash text, hash text)
          where exists (select 1 from lease)
            and ${predecessor}::uuid is not distinct from (select event_id from events where partition = 0 and position = ${first - 1}::bigint)
          returning 1
        )
        select (select count(*) from lease)::int as leased, (select count(*) from ins)::int as n`),
    );
    return rows[0] ?? { leased: 0, n: 0 };
  }

  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    if (partition !== 0) return [];
    // Positions have no gaps, so (after, after + limit] holds the page. The upper bound keeps each
    // page's cost at `limit` rows whatever plan PostgreSQL picks (with stale statistics it chose a
    // bitmap scan of everything past `after` plus a sort: replaying 1M events took 167 s instead of ~30).
    const bounded = await this.page(and(eq(events.partition, 0), gt(events.position, after), lte(events.position, after + limit)), limit);
    return bounded.length > 0 ? bounded : this.page(and(eq(events.partition, 0), gt(events.position, after)), limit);
  }

  private async page(where: SQL | undefined, limit: number): Promise<StoredEvent[]> {
    const rows = await this.database.db.select().from(events).where(where).orderBy(asc(events.position)).limit(limit);
    return rows.map(fromRow);
  }

  async last(partition: number): Promise<StoredEvent | null> {
    if (partition !== 0) return null;
    const rows = await this.database.db.select().from(events).where(eq(events.partition, 0)).orderBy(desc(events.position)).limit(1);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /**
   * Resolves as soon as the partition holds an event after `after`, or when the timeout passes.
   * Wake-ups (in-process appends, NOTIFY from other processes) are hints: a late or stray one is
   * checked against the table before this returns.
   */
  async waitFor(partition: number, after: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const moved = async () => (partition === 0 && this.stored > after) || ((await this.last(partition))?.position ?? -1) > after;
    if (await moved()) return;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await this.wakeup(remaining);
      if (this.closed || Date.now() >= deadline || (await moved())) return;
    }
  }

  onAppended(listener: (runs: readonly AppendedRun[]) => void): () => void {
    this.appended.on('stored', listener);
    return () => this.appended.off('stored', listener);
  }

  private wakeup(timeoutMs: number): Promise<void> {
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
    this.closed = true;
    this.appended.emit('append');
    if (this.unlisten) await this.unlisten().catch(() => {});
  }
}

type Row = typeof events.$inferSelect;

/** The last event stored (or sent) in the partition: position -1 and no id when it is empty. */
interface Tail {
  position: number;
  eventId: string | null;
}

/**
 * The batch as the JSON array jsonb_to_recordset reads, written by hand: data and metadata are the
 * JSON the hash chain already wrote (contentJson), so nothing is serialized twice.
 */
function rowsJson(batch: readonly NewEvent[], first: number): string {
  let out = '[';
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    const { data, metadata } = contentJson(e);
    out +=
      `${i > 0 ? ',' : ''}{"partition":0,"position":${first + i},"event_id":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},` +
      `"stream_id":${JSON.stringify(e.streamId)},"stream_version":${JSON.stringify(e.streamVersion)},"occurred_at":${JSON.stringify(e.occurredAt)},` +
      `"data":${data},"metadata":${metadata},"prev_hash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}`;
  }
  return `${out}]`;
}

function fromRow(r: Row): StoredEvent {
  return storedEvent({
    eventId: r.eventId,
    type: r.type,
    streamId: r.streamId,
    streamVersion: r.streamVersion,
    partition: r.partition,
    position: r.position,
    occurredAt: r.occurredAt,
    data: r.data,
    metadata: r.metadata,
    prevHash: r.prevHash,
    hash: r.hash,
  });
}

/** SQLSTATE class 22 (data exception: untranslatable character, invalid text, …), on the error or its cause. */
function isDataException(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) return true;
  }
  return false;
}
