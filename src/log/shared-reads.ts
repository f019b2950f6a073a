import type { NewEvent, StoredEvent } from './envelope.ts';
import type { EventLog } from './event-log.ts';

/** Events kept per partition: a few batches of every projector, a few MB. */
const KEEP = 20_000;

/**
 * A read-only view of a gap-free log (the embedded PostgreSQL log) for several projectors that read
 * the same stretch one after the other: the first to ask reads a page from the database, the others
 * get the same (immutable) events from memory, and a read already under way is shared. Only a
 * contiguous tail is kept, so a projector far behind reads from the database as before. Appending
 * is refused: this is a reader's view.
 */
export class SharedReads implements EventLog {
  readonly kind = 'postgres' as const;
  private readonly tails = new Map<number, StoredEvent[]>();
  private readonly pending = new Map<string, Promise<StoredEvent[]>>();

  constructor(private readonly log: EventLog) {}

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
    const cached = this.cached(partition, after, limit);
    if (cached) return cached;
    const key = `${partition}:${after}:${limit}`;
    let page = this.pending.get(key);
    if (!page) {
      page = this.log.read(partition, after, limit).finally(() => this.pending.delete(key));
      this.pending.set(key, page);
      this.keep(partition, await page);
    }
    return page;
  }

  /** The events after `after` from memory, when the kept tail holds the next one. */
  private cached(partition: number, after: number, limit: number): StoredEvent[] | null {
    const tail = this.tails.get(partition);
    if (!tail?.length) return null;
    const first = tail[0]!.position;
    if (after < first - 1 || after >= tail[tail.length - 1]!.position) return null;
    const start = after + 1 - first;
    return tail.slice(start, start + limit);
  }

  /** Adds a page to the kept tail if it continues it (else the page starts a new tail); between KEEP and 2 × KEEP events stay. */
  private keep(partition: number, page: readonly StoredEvent[]): void {
    if (page.length === 0 || !contiguous(page)) return;
    const tail = this.tails.get(partition);
    const last = tail?.length ? tail[tail.length - 1]!.position : null;
    if (last !== null && page[0]!.position <= last) return; // already kept (a shared read landed twice)
    if (!tail || last === null || page[0]!.position !== last + 1) {
      this.tails.set(partition, page.slice(-KEEP));
      return;
    }
    for (const event of page) tail.push(event);
    if (tail.length > 2 * KEEP) tail.splice(0, tail.length - KEEP);
  }

  last(partition: number): Promise<StoredEvent | null> {
    return this.log.last(partition);
  }

  waitFor(partition: number, after: number, timeoutMs: number): Promise<void> {
    return this.log.waitFor(partition, after, timeoutMs);
  }

  /** The log underneath belongs to whoever opened it. */
  async close(): Promise<void> {}
}

function contiguous(page: readonly StoredEvent[]): boolean {
  for (let i = 1; i < page.length; i++) if (page[i]!.position !== page[i - 1]!.position + 1) return false;
  return true;
}
