import { assert, unreachable } from '../assert.ts';
import { newId } from '../ids.ts';
import type { AccountState } from '../domain/account/index.ts';
import { type BatchItemResult, type ExecuteBatch, batchItemResults } from '../domain/batch/index.ts';
import type { AggregateName, AggregateStates, DomainCommand } from '../domain/decider.ts';
import { type StoredEvent, sha256Hex } from '../log/envelope.ts';
import { AppError } from '../errors.ts';
import { AppendNotWrittenError, type EventLog, LogRejectedError, LogUnavailableError, WriterFencedError } from '../log/event-log.ts';
import type { CommandTable } from './idempotency-index.ts';
import type { EngineSnapshot, SnapshotStore } from './snapshot.ts';
import { type CommandContext, type LogPosition, LedgerStateMachine, type Outcome, type PreparedBatch } from './state-machine.ts';

export type { CommandContext } from './state-machine.ts';

/** Every command the engine takes: the union of the registry's aggregates' commands. */
export type EngineCommand = DomainCommand;

export interface EngineOptions {
  clock?: () => Date;
  /** Most commands decided into one append (group commit). */
  maxBatch?: number;
  /**
   * Most command ids (accepted or refused) the idempotency index keeps in memory (default
   * 1,000,000). Older ones leave memory once the idempotency read model holds them, and are looked
   * up in commandTable; without a table nothing leaves memory.
   */
  idempotencyMemory?: number;
  /** The idempotency read model's table: where keys that left memory are found (one query per batch, once any has left). */
  commandTable?: CommandTable;
  /** Page size when rebuilding state from the log. */
  replayPage?: number;
  /** Where snapshots are kept; without one, start replays the whole log. */
  snapshots?: SnapshotStore;
  /** Take a snapshot after this many appended events (default 250,000). */
  snapshotEvery?: number;
  onSnapshotError?: (err: unknown) => void;
  /** Told when the log refused a command's data (logged: it names the cause). */
  onRejected?: (err: LogRejectedError) => void;
  /** How often the engine looks for holds whose timeout passed (ms; default 1,000; 0: never, tests call expireDue()). */
  expiryIntervalMs?: number;
  /** Most expiries submitted per look (default 1,000): the rest wait for the next one. */
  expiryBatchMax?: number;
  /** Told when an expiry the engine submitted failed (the next look submits it again). */
  onExpiryError?: (err: unknown) => void;
  /** How often a standby reads the log's new events and looks whether the writer's lease expired (ms, default 500). */
  standbyPollMs?: number;
  /** Told when renewing the lease or a standby's look failed for another reason than a takeover (retried). */
  onLeaseError?: (err: unknown) => void;
}

/** A batch's result: one per item, in order (accepted with its events, or refused with its code), and all its events. */
export interface BatchResult {
  items: BatchItemResult<StoredEvent>[];
  events: StoredEvent[];
  /** True when the batch key had been applied before and this is its first result again. */
  replayed: boolean;
}

/** The envelope of a command the engine submits itself: the same on every writer, so its id is exactly-once. */
function engineContext(commandId: string): CommandContext {
  return {
    commandId,
    requestHash: sha256Hex(commandId),
    correlationId: commandId,
    causationId: null,
    actor: 'system:engine',
    actorRole: 'admin',
    origin: { ip: null, userAgent: null, requestId: null },
  };
}

export interface ExecuteResult {
  events: StoredEvent[];
  /** True when the command id had been applied before and this is its first result again. */
  replayed: boolean;
}

interface Pending {
  command: EngineCommand;
  ctx: CommandContext;
  resolve: (r: ExecuteResult) => void;
  reject: (e: unknown) => void;
}

/** A batch decided and appending: answered once its append (and every one before it) is durable. */
interface InFlight {
  batch: Pending[];
  prepared: PreparedBatch;
  append: Promise<StoredEvent[]>;
  /** The append settled, either way. */
  settled: Promise<void>;
}

type Failed = { error: unknown };
type Settled = ExecuteResult | Failed;

/** With nothing in flight on a pipelined log, a queue of at least twice this many commands is split into two batches. */
const SPLIT_AT = 32;

const fencedError = (cause?: unknown) => new LogUnavailableError('this writer was fenced by another writer', cause ? { cause } : undefined);

/** A command reached an instance that stands by: another instance is the writer, or none is active yet. */
export class WriterStandbyError extends LogUnavailableError {
  constructor() {
    super('this instance stands by: the writer is another instance, or none is active yet (a standby takes over once the writer\'s lease expires); retry shortly');
  }
}

/**
 * The single writer's shell around the pure state machine (state-machine.ts): it queues commands,
 * hands every command that arrived while the previous append was in flight to the state machine as
 * one batch (group commit), appends what it decided, and answers each request only after its append
 * is durable. It also rebuilds the state from a snapshot and the log, re-reads the log after an
 * append whose outcome is unknown, and takes snapshots.
 */
export class LedgerEngine {
  private machine: LedgerStateMachine;
  private queue: Pending[] = [];
  private flushing = false;
  /** Batches decided and appending, oldest first (at most `depth`). */
  private inflight: InFlight[] = [];
  /** Most batches in flight: the log's pipeline (1: decide, append, answer, one batch at a time). */
  private readonly depth: number;
  /** Wakes the commit loop when a command arrives while it waits for the head batch with room for another. */
  private arrived: (() => void) | null = null;
  private fenced: WriterFencedError | null = null;
  /** The writer appends; a standby (logs with a lease) tails the log until the writer's lease expires. */
  private role: 'idle' | 'standby' | 'writer' = 'idle';
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private takeoverTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set after an append whose outcome is unknown: the log must be re-read before deciding again. */
  private stale = false;
  private readonly clock: () => Date;
  private readonly maxBatch: number;
  private readonly replayPage: number;
  private readonly fencedListeners: Array<(e: WriterFencedError) => void> = [];
  private readonly roleListeners: Array<(role: 'writer' | 'standby') => Promise<void> | void> = [];
  private eventsSinceSnapshot = 0;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** Expiry command ids submitted and not yet answered. */
  private readonly expiring = new Set<string>();
  private snapshotting: Promise<void> | null = null;
  /** How the last start went: for logs and the cold-start benchmark. */
  readonly startInfo = { snapshotUsed: false, snapshotEvents: 0, replayedEvents: 0 };
  /** Counters for metrics and benchmarks. */
  readonly stats = { appends: 0, eventsAppended: 0, commandsAccepted: 0, commandsRefused: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly options: EngineOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? 2000;
    this.replayPage = options.replayPage ?? 5000;
    this.depth = Math.max(1, log.pipeline ?? 1);
    this.machine = this.newMachine();
  }

  private newMachine(): LedgerStateMachine {
    return new LedgerStateMachine({ partitions: this.log.partitions, newId, idempotencyMemory: this.options.idempotencyMemory });
  }

  /**
   * Rebuilds every stream and the command index (from the newest snapshot, then the log after it)
   * and takes the writer role. On a log with a lease, the role is taken only if no live writer holds
   * it: otherwise this engine stands by, tailing the log, and takes over once the writer's lease expires.
   */
  async start(): Promise<void> {
    const leased = this.leased();
    if (!leased) await this.log.acquireWriter();
    this.machine = this.newMachine();
    const snapshot = this.options.snapshots ? await this.options.snapshots.load() : null;
    if (snapshot && (await this.matchesLog(snapshot))) {
      this.machine.restore(snapshot);
      this.startInfo.snapshotUsed = true;
      this.startInfo.snapshotEvents = snapshot.heads.reduce((n, h) => n + h.position + 1, 0);
    }
    this.startInfo.replayedEvents = await this.catchUp();
    this.stopped = false;
    if (!leased) return this.becomeWriter();
    if (await this.log.tryAcquireWriter!()) await this.becomeWriter();
    else this.standBy();
  }

  /** Stops the engine's own work (expiries, lease renewal, a standby's watch). Commands already queued still complete. */
  stop(): void {
    this.stopped = true;
    for (const timer of [this.expiryTimer, this.renewTimer, this.takeoverTimer]) if (timer) clearTimeout(timer);
    this.expiryTimer = this.renewTimer = this.takeoverTimer = null;
  }

  /** Gives the writer role up (after stop and drain, on a clean shutdown): a standby takes over at once. */
  async release(): Promise<void> {
    if (this.role !== 'writer') return;
    this.role = 'idle';
    await this.log.releaseWriter?.();
  }

  /** True while this engine is the writer: it takes commands. */
  get isWriter(): boolean {
    return this.role === 'writer';
  }

  private leased(): boolean {
    return typeof this.log.tryAcquireWriter === 'function' && typeof this.log.renewWriter === 'function';
  }

  /** Nobody else appends from now on: whatever the log holds past this engine's state is read first. */
  private async becomeWriter(): Promise<void> {
    this.role = 'writer';
    this.stale = true;
    await this.resync();
    if (this.leased()) this.scheduleRenewal();
    this.scheduleExpiry(0);
    await this.tellRole('writer');
  }

  private standBy(): void {
    this.role = 'standby';
    this.stale = true;
    void this.tellRole('standby');
    this.scheduleTakeover();
  }

  private async tellRole(role: 'writer' | 'standby'): Promise<void> {
    for (const listener of this.roleListeners) await Promise.resolve(listener(role)).catch((err: unknown) => this.options.onLeaseError?.(err));
  }

  /** A standby's watch: read what the writer appended (state stays warm), then try the lease. */
  private scheduleTakeover(): void {
    if (this.stopped || this.role !== 'standby') return;
    this.takeoverTimer = setTimeout(() => {
      void this.tryTakeover().then((took) => took || this.scheduleTakeover());
    }, this.options.standbyPollMs ?? 500);
    this.takeoverTimer.unref?.();
  }

  private async tryTakeover(): Promise<boolean> {
    // Appends this engine started as the writer are still settling: they apply to the state when
    // they do, so reading the log into it now could apply the same events twice. Wait for them.
    if (this.inflight.length > 0) return false;
    try {
      await this.catchUp();
      if (this.stopped || !(await this.log.tryAcquireWriter!())) return false;
    } catch (err) {
      this.options.onLeaseError?.(err);
      return false;
    }
    await this.becomeWriter();
    return true;
  }

  /** The writer renews its lease three times per lease period; a takeover it learns of makes it a standby. */
  private scheduleRenewal(): void {
    const every = Math.max(10, Math.floor((this.log.leaseMs ?? 3000) / 3));
    this.renewTimer = setTimeout(() => {
      void this.renew().finally(() => this.role === 'writer' && !this.stopped && this.scheduleRenewal());
    }, every);
    this.renewTimer.unref?.();
  }

  private async renew(): Promise<void> {
    if (this.role !== 'writer' || this.stopped) return;
    try {
      await this.log.renewWriter!();
    } catch (err) {
      if (err instanceof WriterFencedError) this.lostRole(err);
      else this.options.onLeaseError?.(err);
    }
  }

  /** Another writer took over: on a log with a lease this engine stands by again, otherwise it refuses every command. */
  private lostRole(err: WriterFencedError): void {
    if (this.role !== 'writer') return;
    for (const listener of this.fencedListeners) listener(err);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.expiryTimer = this.renewTimer = null;
    if (this.leased()) return this.standBy();
    this.fenced = err;
    this.role = 'idle';
    this.stop();
  }

  private scheduleExpiry(delayMs: number): void {
    const every = this.options.expiryIntervalMs ?? 1000;
    if (every <= 0 || this.stopped || this.role !== 'writer') return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => {
      void this.expireDue().finally(() => this.scheduleExpiry(every));
    }, delayMs);
    this.expiryTimer.unref?.();
  }

  /**
   * Submits an ExpireHold for every hold whose timeout passed by the engine's clock (at most
   * expiryBatchMax), each under `expire:<holdId>`: a key that every writer derives alike, so the
   * idempotency index (rebuilt from the log) makes each expiry land once, across restarts and
   * writer changes. Returns how many were submitted.
   */
  async expireDue(): Promise<number> {
    if (this.role !== 'writer' || this.stopped) return 0;
    const due = this.machine.due(this.clock().toISOString(), this.options.expiryBatchMax ?? 1000).filter((d) => !this.expiring.has(d.commandId));
    await Promise.all(
      due.map(({ command, commandId }) => {
        this.expiring.add(commandId);
        return this.execute(command, engineContext(commandId))
          .catch((err: unknown) => this.options.onExpiryError?.(err))
          .finally(() => this.expiring.delete(commandId));
      }),
    );
    return due.length;
  }

  /** A snapshot is used only if the log still holds, at each of its heads, the very event it was taken at. */
  private async matchesLog(snapshot: EngineSnapshot): Promise<boolean> {
    if (snapshot.heads.length !== this.log.partitions) return false;
    for (const head of snapshot.heads) {
      if (head.position < 0) continue;
      const [event] = await this.log.read(head.partition, head.position - 1, 1);
      if (!event || event.position !== head.position || event.hash !== head.hash) return false;
    }
    return true;
  }

  /** Captures the committed state now (synchronously, between batches) and saves it. */
  async snapshot(): Promise<void> {
    const store = this.options.snapshots;
    // Only the writer's state is known to be complete: a standby's lags the log.
    if (!store || this.role !== 'writer') return;
    while (this.snapshotting) await this.snapshotting;
    const snapshot = this.machine.snapshot();
    this.eventsSinceSnapshot = 0;
    this.snapshotting = store
      .save(snapshot)
      .catch((err: unknown) => this.options.onSnapshotError?.(err))
      .finally(() => {
        this.snapshotting = null;
      });
    await this.snapshotting;
  }

  onFenced(listener: (e: WriterFencedError) => void): void {
    this.fencedListeners.push(listener);
  }

  /** Told each time this engine becomes the writer (awaited before it takes commands) or a standby. */
  onRole(listener: (role: 'writer' | 'standby') => Promise<void> | void): void {
    this.roleListeners.push(listener);
  }

  /** True once another writer took over on a log without a lease: this engine refuses every command for good. */
  get isFenced(): boolean {
    return this.fenced !== null;
  }

  /** How many command ids the idempotency index holds in memory (the rest are in its table). */
  get rememberedCommands(): number {
    return this.machine.remembered;
  }

  get accountCount(): number {
    return this.machine.count('account');
  }

  account(id: string): AccountState {
    return this.machine.state('account', id);
  }

  /** The committed state of any stream of any aggregate (a hold, a transaction, a batch …). */
  state<K extends AggregateName>(kind: K, id: string): AggregateStates[K] {
    return this.machine.state(kind, id);
  }

  /** Active holds with a timeout, waiting for their expiry. */
  get pendingExpiries(): number {
    return this.machine.pendingDeadlines;
  }

  /** Number of events in an account's stream. */
  accountVersion(id: string): number {
    return this.machine.version('account', id);
  }

  execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult> {
    if (this.fenced) return Promise.reject(fencedError());
    if (this.role === 'standby') return Promise.reject(new WriterStandbyError());
    return new Promise((resolve, reject) => {
      this.queue.push({ command, ctx, resolve, reject });
      if (!this.flushing) void this.flush();
      else this.arrived?.();
    });
  }

  /**
   * Executes a batch (one idempotency key, one append) and answers one result per item. An atomic
   * batch with a refused item rejects with BatchItemRefused (a DomainError: the item's code, field
   * `items.<index>…`, and `index`); nothing of it is written. A replayed key answers the first
   * result, item by item.
   */
  async executeBatch(command: ExecuteBatch, ctx: CommandContext): Promise<BatchResult> {
    const { events, replayed } = await this.execute(command, ctx);
    return { items: batchItemResults(events), events, replayed };
  }

  /** Resolves once everything queued so far has been appended or refused. */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * The commit loop. A batch is decided and its append started (stage); on a log that pipelines
   * (Kafka, and PostgreSQL on a server: `pipeline` 2), the next batch is decided on top of the one in flight and its append
   * sent while that one commits. Batches finish strictly in order: each is applied to the state
   * and answered only once its own append is durable. If an append fails, the batches decided on
   * top of it were not written (the log aborts them): their commands go back to the head of the
   * queue and are decided again on the true state.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (;;) {
        if (this.queue.length > 0 && this.inflight.length < this.depth) {
          const batch = this.takeBatch();
          if (batch.length > 0) {
            await this.stage(batch).catch((err: unknown) => batch.forEach((p) => p.reject(err)));
            continue;
          }
        }
        const head = this.inflight[0];
        if (!head) {
          if (this.queue.length === 0) break;
          continue;
        }
        if (this.inflight.length < this.depth && this.queue.length === 0) {
          // Room for another batch: start it as soon as commands arrive, or finish the head first.
          const arrival = new Promise<'arrival'>((resolve) => (this.arrived = () => resolve('arrival')));
          const first = await Promise.race([head.settled.then(() => 'head' as const), arrival]);
          this.arrived = null;
          if (first === 'arrival') {
            // Whatever else arrives in this turn of the event loop joins the batch.
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
        }
        await head.settled;
        this.inflight.shift();
        await this.finish(head).catch((err: unknown) => head.batch.forEach((p) => p.reject(err)));
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The next batch from the queue, leaving there the commands whose id an in-flight batch holds (they are decided after it). */
  private takeBatch(): Pending[] {
    if (this.inflight.length === 0) {
      // Nothing in flight: a queue that would fill one batch fills the pipeline instead (half now, half on top of it).
      const split = this.depth > 1 && this.queue.length >= 2 * SPLIT_AT;
      return this.queue.splice(0, split ? Math.min(this.maxBatch, Math.ceil(this.queue.length / 2)) : this.maxBatch);
    }
    const busy = new Set<string>();
    for (const f of this.inflight) for (const p of f.batch) busy.add(p.ctx.commandId);
    const taken: Pending[] = [];
    const kept: Pending[] = [];
    for (const p of this.queue) (taken.length < this.maxBatch && !busy.has(p.ctx.commandId) ? taken : kept).push(p);
    this.queue = kept;
    return taken;
  }

  /** Decides a batch (on top of the batches in flight) and starts its append. */
  private async stage(batch: Pending[]): Promise<void> {
    if (this.fenced) return batch.forEach((p) => p.reject(fencedError()));
    if (this.role !== 'writer') return batch.forEach((p) => p.reject(new WriterStandbyError()));
    if (this.stale && !(await this.resync())) return batch.forEach((p) => p.reject(new LogUnavailableError('the event log cannot be read; nothing was written')));
    const unknown = await this.prefetch(batch);
    if (unknown) return batch.forEach((p) => p.reject(unknown));
    const prepared = this.machine.prepare(
      batch,
      this.clock().toISOString(),
      this.inflight.map((f) => f.prepared),
    );
    const pipelined = this.inflight.length > 0;
    const append = prepared.events.length === 0 ? Promise.resolve([]) : this.log.append(prepared.events, pipelined ? { pipelined } : undefined);
    const settled = append.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.push({ batch, prepared, append, settled });
  }

  /** The head batch's append settled: apply and answer it, or handle the failure. */
  private async finish(f: InFlight): Promise<void> {
    let stored: StoredEvent[];
    try {
      stored = await f.append;
    } catch (err) {
      return this.appendFailed(err, f);
    }
    const results = this.machine.commit(f.prepared, stored);
    this.count(f.prepared, stored.length);
    await this.answer(f.batch, f.prepared.outcomes, results, null);
  }

  /** Decides and appends one batch now, alone (nothing else in flight): the halves of an isolated batch. */
  private async process(batch: Pending[]): Promise<void> {
    assert(this.inflight.length === 0, 'a batch is processed alone only when nothing is in flight');
    await this.stage(batch);
    const f = this.inflight.shift();
    if (f) await this.finish(f);
  }

  /**
   * Looks the batch's keys up in the idempotency table when memory may not hold every key seen before
   * (one query for the whole batch), so that prepare() finds them: a key in neither is a new command.
   * Returns the error to answer when the table cannot say (unreachable, or behind what memory let go).
   */
  private async prefetch(batch: Pending[]): Promise<LogUnavailableError | null> {
    const keys = this.machine.lookupKeys(batch);
    const table = this.options.commandTable;
    if (keys.length === 0 || !table) return null;
    let found: Awaited<ReturnType<CommandTable['lookup']>>;
    try {
      found = await table.lookup(keys);
    } catch (err) {
      return new LogUnavailableError('the idempotency table cannot be read; nothing was written', { cause: err });
    }
    if (this.machine.learn(found)) return null;
    return new LogUnavailableError('the idempotency table is behind the engine (a rebuild is catching up); nothing was written, retry shortly');
  }

  /**
   * The log refused the batch's data and wrote nothing: decide and append each half again, down to
   * the one command that carries the data, so one client's bad input never fails another's command.
   */
  private async isolate(batch: Pending[], err: LogRejectedError): Promise<void> {
    if (batch.length === 1) {
      this.options.onRejected?.(err);
      return batch[0]!.reject(new AppError('validation_failed', 'the event log cannot store this command\'s data (for example a NUL character); nothing was written'));
    }
    const half = Math.ceil(batch.length / 2);
    await this.process(batch.slice(0, half));
    await this.process(batch.slice(half));
  }

  /**
   * The head batch's append failed. The batches decided on top of it settle first (the log does
   * not write them: AppendNotWrittenError) and go back to the head of the queue. The head's own
   * commands are answered the failure (the outcome is unknown: the log is re-read first, so a retry
   * with the same key finds the command if it landed), except a replay, still answered; an append
   * that is known not written is decided again instead.
   */
  private async appendFailed(err: unknown, f: InFlight): Promise<void> {
    const rest = this.inflight.splice(0);
    await Promise.all(rest.map((r) => r.settled));
    const again = (): void => void this.queue.unshift(...rest.flatMap((r) => r.batch));
    if (err instanceof LogRejectedError) {
      await this.isolate(f.batch, err);
      return again();
    }
    if (err instanceof AppendNotWrittenError) {
      this.queue.unshift(...f.batch, ...rest.flatMap((r) => r.batch));
      return;
    }
    if (err instanceof WriterFencedError) {
      this.lostRole(err);
    } else {
      // The append may or may not have landed: take the log's word for it before answering,
      // so a retry with the same key finds the command if it did land.
      this.stale = true;
      await this.resync();
    }
    await this.answer(f.batch, f.prepared.outcomes, [], { error: err instanceof WriterFencedError ? fencedError(err) : err });
    again();
  }

  /** Answers each request: its own events, its leader's, its first result read back from the log, its refusal, or the append's failure. */
  private async answer(batch: Pending[], outcomes: readonly Outcome[], results: ReadonlyArray<StoredEvent[] | null>, failure: Failed | null): Promise<void> {
    const settled: Settled[] = [];
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]!;
      // Only a replay reads the log: every other answer is known now (no promise per command).
      settled.push(outcome.kind === 'replay' ? await this.replayed(outcome.at) : this.settle(outcome, results[i] ?? null, settled, failure));
    }
    settled.forEach((s, i) => ('error' in s ? batch[i]!.reject(s.error) : batch[i]!.resolve(s)));
  }

  /** A key applied before answers its first result, read back from the log. */
  private replayed(at: readonly LogPosition[]): Promise<Settled> {
    return this.readApplied(at).then((events) => ({ events, replayed: true }), (error: unknown) => ({ error }));
  }

  private settle(outcome: Exclude<Outcome, { kind: 'replay' }>, own: StoredEvent[] | null, earlier: readonly Settled[], failure: Failed | null): Settled {
    if (failure) return failure;
    switch (outcome.kind) {
      case 'accepted':
        assert(own, 'an accepted command has its stored events');
        return { events: own, replayed: false };
      case 'follows': {
        const leader = earlier[outcome.leader];
        assert(leader, 'a follower comes after its leader');
        return 'error' in leader ? leader : { events: leader.events, replayed: true };
      }
      case 'refused':
        return { error: outcome.error };
      default:
        return unreachable(outcome, 'outcome');
    }
  }

  private count(prepared: PreparedBatch, stored: number): void {
    for (const o of prepared.outcomes) {
      if (o.kind === 'accepted') this.stats.commandsAccepted++;
      if (o.kind === 'refused') this.stats.commandsRefused++;
    }
    if (stored === 0) return;
    this.stats.appends++;
    this.stats.eventsAppended += stored;
    this.eventsSinceSnapshot += stored;
    if (this.eventsSinceSnapshot >= (this.options.snapshotEvery ?? 250_000) && !this.snapshotting) void this.snapshot();
  }

  private async readApplied(at: readonly LogPosition[]): Promise<StoredEvent[]> {
    const found = new Map<string, StoredEvent>();
    for (const partition of new Set(at.map(([p]) => p))) {
      const positions = at.filter(([p]) => p === partition).map(([, pos]) => pos);
      const first = Math.min(...positions);
      const last = Math.max(...positions);
      for (const e of await this.log.read(partition, first - 1, last - first + 1)) found.set(`${e.partition}:${e.position}`, e);
    }
    return at.map(([p, pos]) => found.get(`${p}:${pos}`)).filter((e): e is StoredEvent => e !== undefined);
  }

  private async resync(): Promise<boolean> {
    try {
      await this.catchUp();
      this.stale = false;
      return true;
    } catch {
      return false;
    }
  }

  /** Applies whatever the log holds past what this engine has seen: at start and after an uncertain append. Returns the count. */
  private async catchUp(): Promise<number> {
    let applied = 0;
    for (let p = 0; p < this.log.partitions; p++) {
      for (;;) {
        const page = await this.log.read(p, this.machine.position(p), this.replayPage);
        if (page.length === 0) break;
        for (const e of page) this.machine.apply(e);
        applied += page.length;
        // Replay stays bounded: past its bound, the index lets go of what the idempotency table holds.
        if (this.machine.idempotencyOverBound && this.options.commandTable) this.machine.projectedTo((await this.options.commandTable.lookup([])).checkpoints);
      }
    }
    this.eventsSinceSnapshot += applied;
    return applied;
  }
}
