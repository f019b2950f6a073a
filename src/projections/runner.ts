import type { Db } from '../db/client.ts';
import type { StoredEvent } from '../log/envelope.ts';
import type { EventLog } from '../log/event-log.ts';
import { applyOnce, readCheckpoint } from './checkpoints.ts';
import type { Projection, Projector } from './projection.ts';

export interface RunnerOptions {
  batchSize?: number;
  idleWaitMs?: number;
  /**
   * After an empty read, once the log has moved, wait this long before reading again so the next
   * batch gathers more events: fewer, larger transactions (PGlite shares one thread with the API, so
   * this matters most there).
   */
  coalesceMs?: number;
  onError?: (err: unknown, projection: string) => void;
  /** Called after each committed batch (metrics, tests). */
  onBatch?: (projection: string, partition: number, position: number, count: number) => void;
}

/**
 * Feeds one projection from the log, partition by partition, resuming at the checkpoint stored
 * in PostgreSQL. Each batch and its checkpoint commit in one transaction (applyOnce).
 */
export class ProjectionRunner implements Projector {
  private stopped = false;
  private loops: Promise<void>[] = [];
  readonly positions = new Map<number, number>();
  /** Per partition, the next page read while the current batch is applied. */
  private readonly ahead = new Map<number, { after: number; page: Promise<StoredEvent[]> }>();

  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    private readonly projection: Projection,
    private readonly options: RunnerOptions = {},
  ) {}

  get name(): string {
    return this.projection.name;
  }

  start(): void {
    for (let p = 0; p < this.log.partitions; p++) this.loops.push(this.run(p));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** Projects everything currently in the log, then returns (used by rebuild and tests). */
  async catchUp(): Promise<void> {
    for (let p = 0; p < this.log.partitions; p++) {
      let position = await readCheckpoint(this.db, this.projection.name, p);
      while (true) {
        const next = await this.step(p, position);
        if (next === position) break;
        position = next;
      }
    }
  }

  private async step(partition: number, position: number): Promise<number> {
    const size = this.options.batchSize ?? 1000;
    const batch = await this.read(partition, position, size);
    if (batch.length === 0) return position;
    // A full page: more is likely waiting, so the next page is read while this one is applied.
    if (batch.length === size) this.readAhead(partition, batch[batch.length - 1]!.position, size);
    const applied = await applyOnce(this.db, this.projection, partition, batch);
    this.positions.set(partition, applied.position);
    if (applied.count > 0) this.options.onBatch?.(this.projection.name, partition, applied.position, applied.count);
    return applied.position;
  }

  /** The page after `after`: the one read ahead if it starts there, else read now (a page read ahead for another place is dropped). */
  private read(partition: number, after: number, size: number): Promise<StoredEvent[]> {
    const ahead = this.ahead.get(partition);
    this.ahead.delete(partition);
    if (ahead && ahead.after === after) return ahead.page;
    return this.log.read(partition, after, size);
  }

  /** Starts reading the page after `after`; the log's events never change, so it stays valid until used. */
  private readAhead(partition: number, after: number, size: number): void {
    const page = this.log.read(partition, after, size);
    page.catch(() => {}); // a failed read ahead fails again (and is reported) when step() awaits it, or is never used
    this.ahead.set(partition, { after, page });
  }

  private async run(partition: number): Promise<void> {
    let position = -1;
    let loaded = false;
    let backoff = 100;
    while (!this.stopped) {
      try {
        if (!loaded) {
          position = await readCheckpoint(this.db, this.projection.name, partition);
          this.positions.set(partition, position);
          loaded = true;
        }
        const next = await this.step(partition, position);
        backoff = 100;
        if (next === position) {
          await this.log.waitFor(partition, position, this.options.idleWaitMs ?? 250);
          if (this.options.coalesceMs) await new Promise((r) => setTimeout(r, this.options.coalesceMs));
        }
        position = next;
      } catch (err) {
        this.options.onError?.(err, this.projection.name);
        // Reload the checkpoint: the failed transaction rolled back, so the database is the truth.
        loaded = false;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }
}
