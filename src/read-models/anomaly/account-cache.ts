import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { projectionCheckpoints } from '../../db/schema.ts';
import type { AccountProfile, Activity } from '../../domain/fraud/index.ts';
import type { AccountRisk } from './windows.ts';

/** What the cache knows of one account, exactly as the anomaly tables hold it after the last batch. */
interface Entry {
  /** Its fraud_accounts row (null: none); undefined when not known. */
  profile?: AccountProfile | null;
  risk?: AccountRisk;
  /** Its fraud_activity rows since `since` (and maybe some older ones), in (occurred_at, position) order. */
  recent?: Activity[];
  since?: string;
  /** recent.length as counted in `items`. */
  counted: number;
}

export interface CacheLimits {
  /** Accounts kept (least recently used first out). */
  maxAccounts: number;
  /** Movements kept across all windows. */
  maxItems: number;
}

/**
 * Measured (bench/fraud-compare.ts --shapes spread --spread-events 100000 with --expose-gc, heap after
 * the replay against the same replay without a cache): 10,000 accounts holding 90,000 movements take
 * 86 MiB, their windows' indexes included (a movement ~260 B with its amounts kept compact, its index
 * ~440 B in windows of ~9; an index also has ~2.6 KiB of its own). So these limits keep it under
 * ~95 MiB. 100,000 movements rather than 40,000 (64 MiB at 40,000 before the compact amounts): a
 * catch-up whose windows outgrew 40,000 read them back batch after batch (~130 CPU ms per 1,000
 * events against ~90 held; BENCHMARKS.md, "Anomaly cache").
 */
export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxAccounts: 10_000, maxItems: 100_000 };

/**
 * The profiles and activity windows of the accounts the anomaly projector touched lately, kept in
 * the process across batches so that a batch reads from PostgreSQL only the accounts it has not
 * got (the window loads were the largest read of the projector: ~20 rows per event).
 *
 * Coherent by construction: only this projection writes these tables, and it does so only while it
 * holds its checkpoint. The cache remembers the checkpoints (every partition of the projection) its
 * contents match, as they will be once the batch it last applied commits; a batch that finds any
 * other checkpoint (its previous batch rolled back, another process applied batches, a rebuild
 * reset them) or that starts while another batch of this projection is in flight starts from an
 * empty cache. A batch that fails leaves the cache marked unusable, so the next one starts empty
 * too. A restart starts empty.
 */
export class AccountCache {
  private readonly entries = new Map<string, Entry>();
  private items = 0;
  /** partition → checkpoint the cached state matches; null: unknown (drop everything at the next batch). */
  private matches: Map<number, number> | null = null;
  private inFlight = 0;
  /** Moves when a batch starts beside another: the one in flight then leaves the cache unusable. */
  private overlaps = 0;
  /** Counters (tests, benches). */
  readonly stats = { hits: 0, misses: 0, resets: 0 };

  constructor(
    private readonly projection: string,
    private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS,
  ) {}

  get size(): { accounts: number; items: number } {
    return { accounts: this.entries.size, items: this.items };
  }

  /**
   * Runs one batch of partition `partition` (its last event at `last`) with the cache, or without it
   * (null) while another batch is in flight. The cache is usable afterwards only if `apply` returned.
   */
  async around<T>(tx: Tx, partition: number, last: number, apply: (cache: AccountCache | null) => Promise<T>): Promise<T> {
    if (this.inFlight > 0) {
      this.overlaps++;
      this.matches = null;
      return apply(null);
    }
    this.inFlight++;
    try {
      await this.check(tx);
      const expected = this.matches!;
      const overlaps = this.overlaps;
      this.matches = null;
      const result = await apply(this);
      expected.set(partition, last);
      if (overlaps === this.overlaps) this.matches = expected;
      return result;
    } finally {
      this.inFlight--;
    }
  }

  /** Empties the cache unless the checkpoints are those its contents match. */
  private async check(tx: Tx): Promise<void> {
    const rows = await tx.select({ partition: projectionCheckpoints.partition, position: projectionCheckpoints.position }).from(projectionCheckpoints).where(eq(projectionCheckpoints.projection, this.projection));
    const now = new Map(rows.map((r) => [r.partition, r.position]));
    if (this.matches && sameCheckpoints(this.matches, now)) return;
    if (this.entries.size) this.stats.resets++;
    this.entries.clear();
    this.items = 0;
    this.matches = now;
  }

  /** The profile of `id` as stored (null: no row), or undefined when not cached. */
  profile(id: string): { profile: AccountProfile | null; risk: AccountRisk | undefined } | undefined {
    const e = this.touch(id);
    if (e?.profile === undefined) return undefined;
    return { profile: e.profile, risk: e.risk };
  }

  /** The window of `id`, complete since `since`, or undefined when the cache does not reach back that far. */
  recent(id: string, since: string): { list: Activity[]; since: string } | undefined {
    const e = this.touch(id);
    if (e?.recent === undefined || e.since! > since) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return { list: e.recent, since: e.since! };
  }

  /** After a batch: its profiles and windows, as it wrote them. */
  putProfile(id: string, profile: AccountProfile | null, risk: AccountRisk | undefined): void {
    const e = this.entry(id);
    e.profile = profile;
    e.risk = risk;
  }

  /**
   * After a batch: the window of `id`, complete since `since`. Movements older than `keepFrom` are
   * dropped once they are the larger part of it; a window out of order (the table reads it back
   * sorted) is not kept.
   */
  putRecent(id: string, list: Activity[], since: string, checkFrom: number, keepFrom: string): void {
    const e = this.entry(id);
    if (!inOrder(list, checkFrom)) {
      this.dropRecent(e);
      return;
    }
    let kept = list;
    let from = since;
    const old = countBefore(list, keepFrom);
    if (old > 16 && old * 2 > list.length) {
      kept = list.slice(old);
      if (keepFrom > from) from = keepFrom;
    }
    this.items += kept.length - e.counted;
    e.recent = kept;
    e.since = from;
    e.counted = kept.length;
  }

  /**
   * Evicts beyond the limits, least recently used first: whole accounts beyond maxAccounts, then only
   * the windows (the movements maxItems counts) while there are too many movements. A profile is one
   * small row: kept, a later batch reads back just the window.
   */
  trim(): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size > this.limits.maxAccounts) {
        this.items -= e.counted;
        this.entries.delete(id);
      } else if (this.items > this.limits.maxItems) this.dropRecent(e);
      else break;
    }
  }

  private dropRecent(e: Entry): void {
    this.items -= e.counted;
    e.counted = 0;
    delete e.recent;
    delete e.since;
  }

  private touch(id: string): Entry | undefined {
    const e = this.entries.get(id);
    if (e) {
      this.entries.delete(id);
      this.entries.set(id, e);
    }
    return e;
  }

  private entry(id: string): Entry {
    const e = this.touch(id);
    if (e) return e;
    const fresh: Entry = { counted: 0 };
    this.entries.set(id, fresh);
    return fresh;
  }
}

function sameCheckpoints(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [p, pos] of a) if (b.get(p) !== pos) return false;
  return true;
}

/** The list from `from - 1` on is in (occurredAt, position) order, the order the table reads it back in. */
function inOrder(list: readonly Activity[], from: number): boolean {
  for (let i = Math.max(1, from); i < list.length; i++) {
    const a = list[i - 1]!;
    const b = list[i]!;
    if (a.occurredAt > b.occurredAt || (a.occurredAt === b.occurredAt && a.position >= b.position)) return false;
  }
  return true;
}

/** How many movements (of an ordered list) are older than `at`. */
function countBefore(list: readonly Activity[], at: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.occurredAt < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
