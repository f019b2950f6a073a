import { assert } from '../assert.ts';
import type { DomainErrorCode } from '../domain/errors.ts';

/** [partition, position] of an event in the log. */
export type LogPosition = [partition: number, position: number];

/** A business refusal as data (an Error with its stack would cost ~0.5 KB more per key), rebuilt when answered. */
export interface Refusal {
  code: DomainErrorCode;
  message: string;
  field: string | null;
}

/** What the index remembers of a command id: the request it answered, where its first result lies in the log, or its refusal. */
export interface Remembered {
  requestHash: string;
  /** The command's events (its CommandRefused event for a refusal). */
  at: LogPosition[];
  refusal: Refusal | null;
}

/** One event of the log as the index sees it: from an event's metadata, or a row of the idempotency read model. */
export interface IndexedEvent {
  commandId: string;
  requestHash: string;
  partition: number;
  position: number;
  /** Set for a CommandRefused event. */
  refusal: Refusal | null;
}

/**
 * Where the command ids the engine no longer holds in memory are found: the idempotency read model
 * (src/read-models/idempotency), a table the projector fills from the log. One answer is one
 * consistent look (one statement): the checkpoints and the rows at or below them.
 */
export interface CommandTable {
  lookup(commandIds: readonly string[]): Promise<{ checkpoints: number[]; rows: IndexedEvent[] }>;
}

/** Up to this many positions, a command's `at` is searched in place; above, through a set of its positions. */
const SCANNED = 8;

/**
 * The positions of one command's `at`, for the events of a large command (a batch of thousands of
 * transfers) absorbed one after another: each is then looked up in O(1) rather than by a scan of
 * `at` (quadratic over the command). Only for the entry being absorbed: nothing stays per key.
 */
class PositionsOf {
  private entry: Remembered | null = null;
  private readonly positions = new Set<string>();

  has(entry: Remembered, [p, position]: LogPosition): boolean {
    if (entry.at.length <= SCANNED) return entry.at.some(([q, pos]) => q === p && pos === position);
    if (this.entry !== entry) {
      this.entry = entry;
      this.positions.clear();
      for (const [q, pos] of entry.at) this.positions.add(`${q}:${pos}`);
    }
    return this.positions.has(`${p}:${position}`);
  }

  push(entry: Remembered, at: LogPosition): void {
    entry.at.push(at);
    if (this.entry === entry) this.positions.add(`${at[0]}:${at[1]}`);
  }

  /** Drops the set (of this entry only, when one is given). */
  forget(entry?: Remembered): void {
    if (entry !== undefined && entry !== this.entry) return;
    this.entry = null;
    this.positions.clear();
  }
}

/** The events of one command joined into what the index remembers: an accepted command wins over a refusal of the same key. */
function absorb(entry: Remembered | undefined, e: IndexedEvent, seen: PositionsOf): Remembered {
  const at: LogPosition = [e.partition, e.position];
  if (e.refusal) return entry ?? { requestHash: e.requestHash, at: [at], refusal: e.refusal };
  if (!entry || entry.refusal || entry.requestHash !== e.requestHash) return { requestHash: e.requestHash, at: [at], refusal: null };
  if (!seen.has(entry, at)) seen.push(entry, at);
  return entry;
}

/**
 * The engine's idempotency index: command id → what it answered. At most `memory` entries are kept
 * (oldest first out), and an entry leaves memory only once every one of its events is at or below
 * the idempotency projection's checkpoint in its partition: then the table holds it. Until the
 * projection catches up, the index stays above its bound rather than forget a key. Pure and
 * synchronous: the shell tells it the checkpoints and hands it the rows it looked up.
 */
export class IdempotencyIndex {
  private readonly entries = new Map<string, Remembered>();
  /**
   * The keys of `entries` in insertion order, oldest at `head`: evicting from the front of a Map would
   * make each new iterator skip every deleted slot until the Map is rehashed.
   */
  private order: string[] = [];
  private head = 0;
  /** Keys the shell found in the table for the batch being decided: kept until that batch is committed, never counted in memory. */
  private found = new Map<string, Remembered>();
  /** Per partition, the idempotency projection's checkpoint as last told (-1: nothing projected). */
  private readonly projected: number[];
  /** Per partition, the highest position of an event whose command left memory (-1: none): the table must cover it. */
  private readonly evicted: number[];
  /** The positions of the entry last absorbed into (one at a time: a set only while a large command is read). */
  private readonly absorbing = new PositionsOf();

  constructor(
    partitions: number,
    private readonly memory: number,
  ) {
    assert(Number.isInteger(memory) && memory >= 1, () => `the idempotency index holds at least one entry, not ${memory}`);
    this.projected = Array.from({ length: partitions }, () => -1);
    this.evicted = Array.from({ length: partitions }, () => -1);
  }

  get size(): number {
    return this.entries.size;
  }

  get(commandId: string): Remembered | undefined {
    return this.entries.get(commandId) ?? this.found.get(commandId);
  }

  /**
   * True when a command id missing from memory may still be in the table: once anything was evicted,
   * and while the index is above its bound (the shell then also learns the checkpoints).
   */
  get needsTable(): boolean {
    return this.overBound || this.evicted.some((p) => p >= 0);
  }

  get overBound(): boolean {
    return this.entries.size > this.memory;
  }

  /** True when the table, at these checkpoints, holds every event whose command left memory: a miss in both is a new command. */
  covers(checkpoints: readonly number[]): boolean {
    return this.evicted.every((position, p) => (checkpoints[p] ?? -1) >= position);
  }

  /** An event this engine appended or read from the log. */
  add(e: IndexedEvent): void {
    this.set(e.commandId, absorb(this.entries.get(e.commandId), e, this.absorbing));
  }

  /** A command this engine appended, with all its events. */
  set(commandId: string, remembered: Remembered): void {
    if (!this.entries.has(commandId)) this.order.push(commandId);
    this.entries.set(commandId, remembered);
  }

  /**
   * Rows the shell looked up in the table for the next batch: they complete what memory holds of
   * those commands, and answer the others until that batch is committed (trim()).
   */
  learn(rows: readonly IndexedEvent[]): void {
    this.found = new Map();
    // One command's rows one after another, so that a large command's positions are gathered once.
    const byCommand = new Map<string, IndexedEvent[]>();
    for (const row of rows) {
      const same = byCommand.get(row.commandId);
      if (same) same.push(row);
      else byCommand.set(row.commandId, [row]);
    }
    for (const [commandId, events] of byCommand) {
      for (const row of events) {
        const entry = this.entries.get(commandId);
        if (entry) this.entries.set(commandId, absorb(entry, row, this.absorbing));
        else this.found.set(commandId, absorb(this.found.get(commandId), row, this.absorbing));
      }
    }
    this.absorbing.forget();
  }

  /** The idempotency projection's checkpoints, as the shell read them. */
  projectedTo(checkpoints: readonly number[]): void {
    checkpoints.forEach((position, p) => {
      if (p < this.projected.length) this.projected[p] = position;
    });
  }

  /**
   * Forgets what was looked up for the batch just committed, and evicts the oldest entries while
   * above the bound, stopping at the first whose events are not all projected yet.
   */
  trim(): void {
    if (this.found.size > 0) this.found = new Map();
    while (this.overBound) {
      const commandId = this.order[this.head]!;
      const oldest = this.entries.get(commandId)!;
      if (!this.isProjected(oldest)) break;
      this.evict(commandId, oldest);
      this.head++;
    }
    // Drop the evicted keys from the order once they are half of it (amortised O(1) per key).
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  private isProjected(entry: Remembered): boolean {
    return entry.at.every(([p, position]) => position <= (this.projected[p] ?? -1));
  }

  private evict(commandId: string, entry: Remembered): void {
    assert(this.isProjected(entry), () => `command ${commandId} would leave memory before the idempotency table holds it`);
    this.entries.delete(commandId);
    this.absorbing.forget(entry);
    for (const [p, position] of entry.at) this.evicted[p] = Math.max(this.evicted[p]!, position);
  }

  /** The entries in memory, oldest first, and how far evictions reached (for snapshots). */
  dump(): { entries: Array<[string, Remembered]>; evicted: number[] } {
    return { entries: [...this.entries], evicted: [...this.evicted] };
  }

  restore(entries: Iterable<[string, Remembered]>, evicted: readonly number[]): void {
    assert(this.entries.size === 0, 'restore only into an empty index');
    for (const [id, entry] of entries) this.set(id, entry);
    evicted.forEach((position, p) => {
      if (p < this.evicted.length) this.evicted[p] = position;
    });
  }
}
