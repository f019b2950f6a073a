import type { NewEvent, StoredEvent } from './envelope.ts';
import type { EventLog } from './event-log.ts';

/** Events kept per partition: a few batches of every projector, a few MB. */
const KEEP = 20_000;

/** Events an in-process writer stored, kept apart while the tail read from the log has not reached them. */
const FRESH_KEEP = 10_000;

/**
 * A read-only view of a gap-free log (the embedded PostgreSQL log) for several projectors that read
 * the same stretch one after the other: the first to ask reads a page from the database, the others
 * get the same (immutable) events from memory, and a read already under way is shared. Only a
 * contiguous tail is kept, so a projector far behind reads from the database as before. Appending
 * is refused: this is a reader's view.
 *
 * When the writer appends through the same log in this process (`onAppended`; on a PostgreSQL
 * server, see the constructor), what it stored extends the tail too, so projectors that keep up
 * read nothing back from the database. While the tail is behind them (projectors catching up),
 * those events wait in a short `fresh` run of their own and join the tail once the pages read from
 * the log reach them.
 */
export class SharedReads implements EventLog {
  readonly kind = 'postgres' as const;
  private readonly tails = new Map<number, StoredEvent[]>();
  private readonly fresh = new Map<number, StoredEvent[]>();
  private readonly pending = new Map<string, Promise<StoredEvent[]>>();
  private readonly unsubscribe: (() => void) | undefined;

  /**
   * `appends: false` leaves out the writer's appends and reads only from the log: on PGlite the
   * projectors fed from memory were 5–12 % slower (BENCHMARKS.md, "Projectors fed the writer's appends").
   */
  constructor(
    private readonly log: EventLog,
    options: { appends?: boolean } = {},
  ) {
    this.unsubscribe = options.appends === false ? undefined : log.onAppended?.((events) => this.appended(events));
  }

  get partitions(): number {
    return this.log.partitions;
  }

  acquireWriter(): Promise<void> {
    return Promise.reject(new Error('SharedReads is a reader: it takes no writer role'));
  }

  append(_events: readonly NewEvent[]): Promise<StoredEvent[]> {
    return Promise.reject(new Error('SharedReads is a reader: it does not append'));
  }

  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    const kept = slice(this.tails.get(partition), after, limit);
    if (kept) return kept;
    const fresh = slice(this.fresh.get(partition), after, limit);
    if (fresh) return fresh;
    const key = `${partition}:${after}:${limit}`;
    let page = this.pending.get(key);
    if (!page) {
      page = this.log.read(partition, after, limit).finally(() => this.pending.delete(key));
      this.pending.set(key, page);
      this.keep(partition, await page);
    }
    return page;
  }

  /** Adds a page read from the log to the kept tail if it continues it (else the page starts a new tail), then joins the fresh run to it when it reaches it. */
  private keep(partition: number, page: readonly StoredEvent[]): void {
    if (page.length === 0 || !contiguous(page)) return;
    const tail = this.tails.get(partition);
    const last = lastPosition(tail);
    if (tail?.length && page[0]!.position <= last) return; // already kept (a shared read landed twice)
    if (!tail?.length || page[0]!.position !== last + 1) this.tails.set(partition, page.slice(-KEEP));
    else extend(tail, page, 2 * KEEP, KEEP);
    this.join(partition);
  }

  /** The fresh run onto the tail, once the tail reaches it (only keep() moves the tail towards it): from then on appends extend the tail. */
  private join(partition: number): void {
    const tail = this.tails.get(partition);
    const fresh = this.fresh.get(partition);
    if (tail?.length && fresh?.length && extend(tail, fresh, 2 * KEEP, KEEP)) this.fresh.delete(partition);
  }

  /** What an append of this process stored: onto the tail where it continues it, else into the fresh run. Never throws into the writer. */
  private appended(events: readonly StoredEvent[]): void {
    try {
      for (let p = 0; p < this.partitions; p++) {
        const page = events.filter((e) => e.partition === p);
        if (page.length === 0 || !contiguous(page)) continue;
        const tail = this.tails.get(p);
        if (tail?.length && extend(tail, page, 2 * KEEP, KEEP)) continue;
        const fresh = this.fresh.get(p);
        if (!fresh?.length || !extend(fresh, page, 2 * FRESH_KEEP, FRESH_KEEP)) this.fresh.set(p, page.slice(-FRESH_KEEP));
      }
    } catch {
      // Never serve memory this failed half-way through: the log is read instead.
      this.tails.clear();
      this.fresh.clear();
    }
  }

  last(partition: number): Promise<StoredEvent | null> {
    return this.log.last(partition);
  }

  /** At once when memory already holds an event after `after`, else as the log waits. */
  async waitFor(partition: number, after: number, timeoutMs: number): Promise<void> {
    if (lastPosition(this.tails.get(partition)) > after || lastPosition(this.fresh.get(partition)) > after) return;
    return this.log.waitFor(partition, after, timeoutMs);
  }

  /** Stops taking appends and lets go of the events kept; the log underneath belongs to whoever opened it. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.tails.clear();
    this.fresh.clear();
  }
}

/** The events after `after` from a contiguous run, when it holds the next one; null when it does not. */
function slice(run: readonly StoredEvent[] | undefined, after: number, limit: number): StoredEvent[] | null {
  if (!run?.length) return null;
  const first = run[0]!.position;
  if (after < first - 1 || after >= run[run.length - 1]!.position) return null;
  const start = after + 1 - first;
  return run.slice(start, start + limit);
}

/**
 * Pushes onto `run` the events of `page` past its end, when `page` reaches it (starts at or before
 * the position after it); false, and nothing pushed, when there is a gap. Past `max` events, the
 * oldest go until `keep` stay.
 */
function extend(run: StoredEvent[], page: readonly StoredEvent[], max: number, keep: number): boolean {
  const from = lastPosition(run) + 1 - page[0]!.position;
  if (from < 0) return false;
  for (let i = from; i < page.length; i++) run.push(page[i]!);
  if (run.length > max) run.splice(0, run.length - keep);
  return true;
}

function lastPosition(run: readonly StoredEvent[] | undefined): number {
  return run?.length ? run[run.length - 1]!.position : -1;
}

function contiguous(page: readonly StoredEvent[]): boolean {
  for (let i = 1; i < page.length; i++) if (page[i]!.position !== page[i - 1]!.position + 1) return false;
  return true;
}
