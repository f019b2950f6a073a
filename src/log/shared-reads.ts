import type { NewEvent, StoredEvent } from './envelope.ts';
import type { AppendedRun, EventLog } from './event-log.ts';

/** Events kept per partition: a few batches of every projector, a few MB. */
const KEEP = 20_000;

/** Events an in-process writer stored, kept apart while the tail read from the log has not reached them. */
const FRESH_KEEP = 10_000;

/**
 * Every event of one partition with a position in (after, last event's position], in order. The
 * positions may have gaps (Kafka offsets skip transaction markers): what makes a run servable is
 * that nothing in its range is missing, not that its positions follow one another.
 */
interface Range {
  after: number;
  events: readonly StoredEvent[];
}

/** A range this view keeps and grows. */
interface Run extends Range {
  events: StoredEvent[];
}

/**
 * A read-only view of the log for several projectors that read the same stretch one after the
 * other: the first to ask reads a page from the log, the others get the same (immutable) events
 * from memory, and a read already under way is shared. Only an unbroken tail is kept, so a
 * projector far behind reads from the log as before. Appending is refused: this is a reader's view.
 *
 * A page read after position `a` holds every event after `a` up to its last one, so it extends the
 * tail when `a` lies inside the tail's range, on the PostgreSQL log (positions without gaps) and on
 * Kafka (offsets with gaps) alike.
 *
 * When the writer appends through the same log in this process (`onAppended`; see the constructor),
 * what it stored extends the tail too, so projectors that keep up read nothing back. While the tail
 * is behind them (projectors catching up), those events wait in a short `fresh` run of their own
 * and join the tail once the pages read from the log reach them.
 */
export class SharedReads implements EventLog {
  readonly kind: EventLog['kind'];
  private readonly tails = new Map<number, Run>();
  private readonly fresh = new Map<number, Run>();
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
    this.kind = log.kind;
    this.unsubscribe = options.appends === false ? undefined : log.onAppended?.((runs) => this.appended(runs));
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
    const kept = slice(this.tails.get(partition), after, limit) ?? slice(this.fresh.get(partition), after, limit);
    if (kept) return kept;
    const key = `${partition}:${after}:${limit}`;
    let page = this.pending.get(key);
    if (!page) {
      page = this.log.read(partition, after, limit).finally(() => this.pending.delete(key));
      this.pending.set(key, page);
      this.keep(partition, { after, events: await page });
    }
    return page;
  }

  /** Adds a page read from the log to the kept tail if it reaches it (else the page starts a new tail), then joins the fresh run to it when it reaches it. */
  private keep(partition: number, page: Range): void {
    if (page.events.length === 0 || !ascending(page)) return;
    const tail = this.tails.get(partition);
    if (tail && extend(tail, page, 2 * KEEP, KEEP)) {
      this.join(partition);
      return;
    }
    // Behind the tail, or past it with a hole between: the newer stretch is the one projectors come to.
    if (tail && lastPosition(page) <= lastPosition(tail)) return;
    this.tails.set(partition, runOf(page, KEEP));
    this.join(partition);
  }

  /** The fresh run onto the tail, once the tail reaches it (only keep() moves the tail towards it): from then on appends extend the tail. */
  private join(partition: number): void {
    const tail = this.tails.get(partition);
    const fresh = this.fresh.get(partition);
    if (tail && fresh && extend(tail, fresh, 2 * KEEP, KEEP)) this.fresh.delete(partition);
  }

  /** What an append of this process stored: onto the tail where it continues it, else into the fresh run. Never throws into the writer. */
  private appended(runs: readonly AppendedRun[]): void {
    try {
      for (const run of runs) {
        if (run.events.length === 0 || !ascending(run)) continue;
        const tail = this.tails.get(run.partition);
        if (tail && extend(tail, run, 2 * KEEP, KEEP)) continue;
        const fresh = this.fresh.get(run.partition);
        if (!fresh || !extend(fresh, run, 2 * FRESH_KEEP, FRESH_KEEP)) this.fresh.set(run.partition, runOf(run, FRESH_KEEP));
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

/** The events after `after` from a run whose range holds the next one; null when it does not. */
function slice(run: Run | undefined, after: number, limit: number): StoredEvent[] | null {
  if (!run || after < run.after || after >= lastPosition(run)) return null;
  const start = firstAfter(run.events, after);
  return run.events.slice(start, start + limit);
}

/** The index of the first event with a position above `after` (binary search: positions ascend). */
function firstAfter(events: readonly StoredEvent[], after: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.position > after) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * Pushes onto `run` the events of `page` past its end, when `page`'s range reaches it (starts at or
 * before its last position); false, and nothing pushed, when there is a hole. Past `max` events, the
 * oldest go until `keep` stay.
 */
function extend(run: Run, page: Range, max: number, keep: number): boolean {
  const end = lastPosition(run);
  if (page.after > end) return false;
  for (let i = firstAfter(page.events, end); i < page.events.length; i++) run.events.push(page.events[i]!);
  if (run.events.length > max) trimmed(run, keep);
  return true;
}

/** A run of its own holding the newest `keep` events of `page`. */
function runOf(page: Range, keep: number): Run {
  return trimmed({ after: page.after, events: page.events.slice() }, keep);
}

/** Drops the oldest events until at most `keep` stay; the run's range starts after the last one dropped. */
function trimmed(run: Run, keep: number): Run {
  const drop = run.events.length - keep;
  if (drop > 0) {
    run.after = run.events[drop - 1]!.position;
    run.events.splice(0, drop);
  }
  return run;
}

function lastPosition(run: Range | undefined): number {
  if (!run) return -1;
  return run.events.length ? run.events[run.events.length - 1]!.position : run.after;
}

function ascending(page: Range): boolean {
  if (page.events[0]!.position <= page.after) return false;
  for (let i = 1; i < page.events.length; i++) if (page.events[i]!.position <= page.events[i - 1]!.position) return false;
  return true;
}
