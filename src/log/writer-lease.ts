import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type SQL, and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { writerLease } from '../db/schema.ts';
import { WriterFencedError } from './event-log.ts';

export interface WriterLeaseOptions {
  /** The lease's row: one per log (the PostgreSQL log uses 1; a Kafka log one derived from its topic). */
  id?: number;
  /** Names this process in `writer_lease` (for people reading the table; identity is the epoch). */
  holder?: string;
  /** How long the lease lasts without renewal (ms, default 3,000): a standby takes over after that. */
  leaseMs?: number;
  /**
   * Nobody else can reach this database (PGlite under the data-dir lock): a lease left by a dead
   * process is taken over at once instead of after it expires.
   */
  exclusive?: boolean;
}

/**
 * The writer role as a row of `writer_lease`: the writer renews it (expires_at, by the database's
 * clock, so no two hosts' clocks are compared); another instance takes it only once it expired,
 * bumping the epoch in the same statement. Whoever holds the current epoch is the writer.
 */
export class WriterLease {
  readonly id: number;
  readonly leaseMs: number;
  private readonly holder: string;
  /** This instance's epoch while it holds the lease. */
  epoch: number | null = null;

  constructor(
    private readonly database: Database,
    private readonly options: WriterLeaseOptions = {},
  ) {
    this.id = options.id ?? 1;
    this.leaseMs = options.leaseMs ?? 3000;
    this.holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Takes the lease now, whoever holds it (tools, tests): the previous holder's epoch is over. */
  take(): Promise<number> {
    return this.takeIf(true).then((epoch) => epoch!);
  }

  /** Takes the lease only if it expired (or nobody ever held it): null while a live writer renews it. */
  tryTake(): Promise<number | null> {
    return this.takeIf(this.options.exclusive === true);
  }

  /** Extends the lease by leaseMs; WriterFencedError when another instance took it over. */
  async renew(): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null) throw new WriterFencedError('this instance does not hold the writer lease');
    const rows = await this.database.db
      .update(writerLease)
      .set({ expiresAt: this.end() })
      .where(and(eq(writerLease.id, this.id), eq(writerLease.epoch, epoch)))
      .returning({ epoch: writerLease.epoch });
    if (rows.length > 0) return;
    if (this.epoch === epoch) this.epoch = null;
    throw new WriterFencedError(`writer epoch ${epoch} was taken over by a newer writer`);
  }

  /** Gives the lease up (clean shutdown): it ends now, so a standby takes over at once. */
  async release(): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null) return;
    this.epoch = null;
    await this.database.db
      .update(writerLease)
      .set({ expiresAt: sql`'-infinity'::timestamptz` })
      .where(and(eq(writerLease.id, this.id), eq(writerLease.epoch, epoch)));
  }

  private end(): SQL {
    return sql`clock_timestamp() + ${this.leaseMs} * interval '1 millisecond'`;
  }

  /** One statement: the lease is taken, with the epoch bumped, only if forced or expired (by the database's clock). */
  private async takeIf(force: boolean): Promise<number | null> {
    const now = new Date().toISOString();
    const rows = await this.database.db
      .insert(writerLease)
      .values({ id: this.id, epoch: 1, holder: this.holder, acquiredAt: now, expiresAt: this.end() })
      .onConflictDoUpdate({
        target: writerLease.id,
        set: { epoch: sql`${writerLease.epoch} + 1`, holder: this.holder, acquiredAt: now, expiresAt: this.end() },
        ...(force ? {} : { setWhere: sql`${writerLease.expiresAt} <= clock_timestamp()` }),
      })
      .returning({ epoch: writerLease.epoch });
    this.epoch = rows[0]?.epoch ?? this.epoch;
    return rows[0]?.epoch ?? null;
  }
}
