import type { StoredEvent } from '../../log/envelope.ts';
import type { EventLog } from '../../log/event-log.ts';

/** Why a subscription ended (the stream says so in a last `end` event). */
export type EndReason = 'closed' | 'slow_consumer' | 'unauthorized' | 'log_unavailable';

export interface EventHubOptions {
  /** Events a subscriber may have waiting before it is dropped as too slow. */
  bufferEvents: number;
  /** Events read from the log in one go. */
  batch?: number;
  /** How long the shared tail waits for an append before it looks again. */
  waitMs?: number;
}

interface Tail {
  /** Last position the shared tail has read and fanned out. */
  position: number;
  running: boolean;
  ready: Promise<void> | null;
  subscribers: Set<Subscription>;
}

/**
 * One shared tail per partition of the log, fanned out in memory to every subscriber: an append
 * costs one read of the log however many streams are open. A subscriber that starts behind the
 * tail reads its own backlog once, then takes the live events from its bounded buffer; one whose
 * buffer overflows is dropped (it resumes with Last-Event-ID).
 */
export class EventHub {
  private readonly tails = new Map<number, Tail>();
  private readonly batch: number;
  private readonly waitMs: number;

  constructor(
    private readonly log: EventLog,
    private readonly options: EventHubOptions,
  ) {
    this.batch = options.batch ?? 500;
    this.waitMs = options.waitMs ?? 15_000;
  }

  /** Open subscriptions, all partitions together. */
  get size(): number {
    let n = 0;
    for (const t of this.tails.values()) n += t.subscribers.size;
    return n;
  }

  /** Events of the partition with position > after, as they come. */
  async subscribe(partition: number, after: number): Promise<Subscription> {
    let tail = this.tails.get(partition);
    if (!tail) {
      tail = { position: -1, running: false, ready: null, subscribers: new Set() };
      this.tails.set(partition, tail);
    }
    const t = tail;
    const sub = new Subscription(this.log, partition, after, this.options.bufferEvents, this.batch, () => t.subscribers.delete(sub));
    t.subscribers.add(sub);
    try {
      await this.start(partition, t);
    } catch (err) {
      sub.close();
      throw err;
    }
    // Everything after this position reaches the buffer; what lies before it, the subscriber reads itself.
    sub.backlogUntil = t.position;
    return sub;
  }

  private start(partition: number, t: Tail): Promise<void> {
    if (t.running && t.ready) return t.ready;
    t.running = true;
    const ready = this.log.last(partition).then((last) => {
      t.position = last ? last.position : -1;
    });
    t.ready = ready;
    ready.then(
      () => void this.run(partition, t),
      () => {
        t.running = false;
        t.ready = null;
      },
    );
    return ready;
  }

  /** The shared tail: runs while anyone listens. */
  private async run(partition: number, t: Tail): Promise<void> {
    try {
      while (t.subscribers.size > 0) {
        const batch = await this.log.read(partition, t.position, this.batch);
        if (batch.length === 0) {
          await this.log.waitFor(partition, t.position, this.waitMs);
          continue;
        }
        t.position = batch[batch.length - 1]!.position;
        for (const sub of [...t.subscribers]) sub.push(batch);
      }
    } catch {
      // The log is gone (outage, shutdown): every stream ends and its client resumes with Last-Event-ID.
      for (const sub of [...t.subscribers]) sub.end('log_unavailable');
    } finally {
      t.running = false;
      t.ready = null;
    }
  }
}

/** One stream's view of the hub: its backlog from the log, then the live events from its buffer. */
export class Subscription {
  /** Up to here the subscriber reads the log itself; after it, events arrive in the buffer. */
  backlogUntil = -1;
  private cursor: number;
  private buffer: StoredEvent[] = [];
  private wake: (() => void) | null = null;
  private reason: EndReason | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly partition: number,
    after: number,
    private readonly bufferEvents: number,
    private readonly batch: number,
    private readonly detach: () => void,
  ) {
    this.cursor = after;
  }

  get endReason(): EndReason | null {
    return this.reason;
  }

  /** The hub's fan-out: never blocks; a subscriber that falls too far behind is dropped. */
  push(events: readonly StoredEvent[]): void {
    if (this.reason) return;
    if (this.buffer.length + events.length > this.bufferEvents) {
      this.end('slow_consumer');
      return;
    }
    this.buffer.push(...events);
    this.signal();
  }

  end(reason: EndReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.buffer = [];
    this.detach();
    this.signal();
  }

  close(): void {
    this.end('closed');
  }

  /** The next events in order, [] when none came within waitMs, null once ended. */
  async next(waitMs: number): Promise<StoredEvent[] | null> {
    if (this.reason) return null;
    if (this.cursor < this.backlogUntil) {
      const read = await this.log.read(this.partition, this.cursor, this.batch);
      const mine = read.filter((e) => e.position <= this.backlogUntil);
      if (mine.length === 0) this.backlogUntil = this.cursor;
      else return this.deliver(mine);
    }
    const fresh = this.buffer.splice(0).filter((e) => e.position > this.cursor);
    if (fresh.length > 0) return this.deliver(fresh);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
    if (this.reason) return null;
    const woken = this.buffer.splice(0).filter((e) => e.position > this.cursor);
    return this.deliver(woken);
  }

  private deliver(events: StoredEvent[]): StoredEvent[] {
    if (events.length > 0) this.cursor = events[events.length - 1]!.position;
    return events;
  }

  private signal(): void {
    this.wake?.();
  }
}

/** Open streams per caller and in total. */
export class StreamLimits {
  private readonly perKey = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxPerKey: number,
    private readonly maxTotal: number,
  ) {}

  /** Takes a slot for the caller, or answers why not. */
  acquire(key: string): 'ok' | 'per_key' | 'total' {
    const mine = this.perKey.get(key) ?? 0;
    if (mine >= this.maxPerKey) return 'per_key';
    if (this.total >= this.maxTotal) return 'total';
    this.perKey.set(key, mine + 1);
    this.total++;
    return 'ok';
  }

  release(key: string): void {
    const mine = this.perKey.get(key) ?? 0;
    if (mine <= 1) this.perKey.delete(key);
    else this.perKey.set(key, mine - 1);
    this.total = Math.max(0, this.total - 1);
  }
}
