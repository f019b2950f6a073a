import { assert } from '../assert.ts';
import type { AggregateName, AggregateStates, Decided, DecisionContext, DomainCommand, StateView } from '../domain/decider.ts';
import { DomainError, type DomainErrorCode } from '../domain/errors.ts';
import { DECIDERS, type StateAccess, deciderForCommand, deciderForEvent, deciderNamed, decisionContext, evolveDecided, initialStateOf } from '../domain/registry.ts';
import { type AppError, idempotencyConflict } from '../errors.ts';
import { REFUSALS_STREAM } from '../domain/refusal/index.ts';
import { type EventMetadata, GENESIS_HASH, type NewEvent, type StoredEvent, canonicalJson, chainEvent } from '../log/envelope.ts';
import { partitionOf } from '../log/event-log.ts';
import { IdempotencyIndex, type IndexedEvent, type LogPosition, type Remembered } from './idempotency-index.ts';
import type { EngineSnapshot } from './snapshot.ts';

export type { LogPosition } from './idempotency-index.ts';

/** Who sent a command, under which idempotency key, from where. */
export type CommandContext = EventMetadata;

export interface Submitted {
  command: DomainCommand;
  ctx: CommandContext;
}

/** What became of one command of a batch. */
export type Outcome =
  /** Decided: these events go into the batch's append. */
  | { kind: 'accepted'; events: NewEvent[] }
  /** The same key and body as an earlier command of this batch: it gets that command's answer. */
  | { kind: 'follows'; leader: number }
  /** Applied before: its first result is in the log at these positions. */
  | { kind: 'replay'; at: LogPosition[] }
  /** Refused; a business refusal carries its CommandRefused event, appended with the batch so the key answers the same refusal for good. */
  | { kind: 'refused'; error: DomainError | AppError; events?: NewEvent[] };

/** A decided batch, not yet applied to the state machine: commit() applies it once its append is durable. */
export interface PreparedBatch {
  readonly outcomes: readonly Outcome[];
  /** The events of every accepted command, in order: what to append. */
  readonly events: readonly NewEvent[];
  readonly batch: readonly Submitted[];
  readonly staged: Staged;
}

interface Stream<S> {
  state: S;
  /** Number of events in the stream. */
  version: number;
}
type Streams = { [K in AggregateName]: Map<string, Stream<AggregateStates[K]>> };
const emptyStreams = (): Streams => Object.fromEntries(DECIDERS.map((d) => [d.name, new Map()])) as Streams;

/** What a batch changed, kept apart from the committed state until its append is durable. */
interface Staged {
  streams: Streams;
  heads: Map<number, string>;
  /** Command id → index in the batch, for keys seen twice in one batch. */
  seen: Map<string, number>;
  /** What the batches decided before this one and not yet committed staged, oldest first: this batch is decided on top of them (emptied at commit). */
  under: readonly Staged[];
}

/** A batch being decided: its staging, and the view, state access and decision context every command of it shares. */
interface Deciding {
  staged: Staged;
  now: string;
  view: StateView;
  access: StateAccess;
  context: DecisionContext;
}

/** A command the engine submits by itself when a deadline passes, under a command id every writer derives the same way. */
export interface DueCommand {
  command: DomainCommand;
  commandId: string;
}

/** Refusals that may change with time alone: never remembered for their key (the deadline comes, the retry succeeds). */
const TRANSIENT_REFUSALS: ReadonlySet<DomainErrorCode> = new Set<DomainErrorCode>(['validation_failed', 'hold_not_due']);

function isDurableRefusal(error: DomainError | AppError): error is DomainError {
  return error instanceof DomainError && !TRANSIENT_REFUSALS.has(error.code);
}

export interface StateMachineOptions {
  partitions: number;
  /** Event ids (UUIDv7 in production; deterministic in tests). */
  newId: () => string;
  /** Most command ids (accepted or refused) kept in memory; older ones leave once the idempotency table holds them (default 1,000,000). */
  idempotencyMemory?: number;
}

/** The default bound of the in-memory idempotency index (about 0.6 GB of heap at the worst). */
export const IDEMPOTENCY_MEMORY_DEFAULT = 1_000_000;

/**
 * The engine's core: pure and synchronous. A batch of commands goes in, each is decided by its
 * aggregate's decider against the state as staged so far, and out come the outcomes and the
 * enveloped, hash-chained events to append. Nothing changes until commit() is told where the log
 * stored them; a failed append simply drops the prepared batch. The idempotency index lives here.
 * The shell (ledger-engine.ts) does the queueing, the I/O and the snapshots.
 */
export class LedgerStateMachine {
  private readonly streams: Streams = emptyStreams();
  private readonly lastHash = new Map<number, string>();
  private readonly lastPosition = new Map<number, number>();
  /** Command id → its first result or its refusal: the newest in memory, the rest in the idempotency table (looked up by the shell). */
  private readonly index: IdempotencyIndex;
  /** Deadlines of the aggregates that have a timeout: `kind\0id` → [kind, id, due instant in ms]. */
  private readonly deadlines = new Map<string, [AggregateName, string, number]>();

  constructor(private readonly options: StateMachineOptions) {
    assert(Number.isInteger(options.partitions) && options.partitions >= 1, 'a log has at least one partition');
    this.index = new IdempotencyIndex(options.partitions, options.idempotencyMemory ?? IDEMPOTENCY_MEMORY_DEFAULT);
  }

  get partitions(): number {
    return this.options.partitions;
  }

  state<K extends AggregateName>(kind: K, id: string): AggregateStates[K] {
    return this.stream(kind, id).state;
  }

  /** Number of events in a stream (0: none). */
  version(kind: AggregateName, id: string): number {
    return this.stream(kind, id).version;
  }

  count(kind: AggregateName): number {
    return this.streams[kind].size;
  }

  /** The last position applied per partition (-1: none). */
  position(partition: number): number {
    return this.lastPosition.get(partition) ?? -1;
  }

  /**
   * Decides a batch against the committed state plus what the batch itself staged. `on`: batches
   * prepared before it whose appends are still in flight (oldest first): it is decided on top of
   * them, and must be committed after them (or dropped if any of them is). The caller keeps a
   * command id out of a batch while an in-flight batch holds it.
   */
  prepare(batch: readonly Submitted[], now: string, on: readonly PreparedBatch[] = []): PreparedBatch {
    const staged: Staged = { streams: emptyStreams(), heads: new Map(), seen: new Map(), under: on.map((p) => p.staged) };
    const deciding: Deciding = { staged, now, view: this.viewOf(staged), access: this.stagedAccess(staged), context: decisionContext(now) };
    const outcomes: Outcome[] = [];
    const events: NewEvent[] = [];
    for (const [index, submitted] of batch.entries()) {
      const outcome = this.decideOne(submitted, batch, deciding);
      staged.seen.set(submitted.ctx.commandId, staged.seen.get(submitted.ctx.commandId) ?? index);
      if (outcome.kind === 'accepted' || outcome.kind === 'refused') events.push(...(outcome.events ?? []));
      outcomes.push(outcome);
    }
    return { outcomes, events, batch, staged };
  }

  /**
   * The command ids of a batch the shell must look up in the idempotency table before prepare()
   * (none while memory alone knows every key): a key missing from memory may have left it, and a
   * key in memory may miss events that left it with an older entry of the same command.
   */
  lookupKeys(batch: readonly Submitted[]): string[] {
    return this.index.needsTable ? [...new Set(batch.map((s) => s.ctx.commandId))] : [];
  }

  /**
   * What the shell found in the idempotency table, read in one look with its checkpoints. False when
   * the table is behind what memory let go of (a rebuild in progress): a miss would not mean a new command.
   */
  learn(found: { checkpoints: readonly number[]; rows: readonly IndexedEvent[] }): boolean {
    this.index.projectedTo(found.checkpoints);
    if (!this.index.covers(found.checkpoints)) return false;
    this.index.learn(found.rows);
    return true;
  }

  /** The idempotency projection's checkpoints (the shell reads them while replaying): entries at or below them leave memory. */
  projectedTo(checkpoints: readonly number[]): void {
    this.index.projectedTo(checkpoints);
    this.index.trim();
  }

  /** True while memory holds more keys than its bound (the shell then reads the projection's checkpoints to let some go). */
  get idempotencyOverBound(): boolean {
    return this.index.overBound;
  }

  /** How many command ids the index holds in memory. */
  get remembered(): number {
    return this.index.size;
  }

  private decideOne({ command, ctx }: Submitted, batch: readonly Submitted[], deciding: Deciding): Outcome {
    const { staged, now } = deciding;
    const prior = this.index.get(ctx.commandId);
    if (prior) return this.answerPrior(prior, ctx);
    const leader = staged.seen.get(ctx.commandId);
    if (leader !== undefined) return batch[leader]!.ctx.requestHash === ctx.requestHash ? { kind: 'follows', leader } : { kind: 'refused', error: idempotencyConflict() };

    let decided: Decided[];
    try {
      decided = deciderForCommand(command.type).decide(command, deciding.view, deciding.context);
    } catch (err) {
      if (err instanceof DomainError) return this.refusal(command, ctx, err, deciding);
      throw err;
    }
    assert(decided.length > 0, () => `${command.type} was accepted but produced no event`);
    const { access } = deciding;
    // Every event of the command carries the same metadata: its canonical JSON is written once for all of their hashes.
    const metadataJson = canonicalJson(ctx);
    const events = decided.map((d) => {
      evolveDecided(access, d);
      return this.envelope(staged, d, ctx, now, metadataJson);
    });
    return { kind: 'accepted', events };
  }

  /** A key seen before answers its first result (or refusal) again; with another body, a conflict. */
  private answerPrior(prior: Remembered, ctx: CommandContext): Outcome {
    if (prior.requestHash !== ctx.requestHash) return { kind: 'refused', error: idempotencyConflict() };
    const { refusal } = prior;
    return refusal ? { kind: 'refused', error: new DomainError(refusal.code, refusal.message, refusal.field ?? undefined) } : { kind: 'replay', at: prior.at };
  }

  /** A business refusal is recorded (CommandRefused, in the refusals stream); conflicts and refusals that time may change are not. */
  private refusal(command: DomainCommand, ctx: CommandContext, error: DomainError, { staged, now, access }: Deciding): Outcome {
    if (!isDurableRefusal(error)) return { kind: 'refused', error };
    const decided: Decided = {
      streamId: REFUSALS_STREAM,
      event: { type: 'CommandRefused', data: { commandType: command.type, code: error.code, message: error.message, field: error.field ?? null } },
    };
    evolveDecided(access, decided);
    return { kind: 'refused', error, events: [this.envelope(staged, decided, ctx, now)] };
  }

  /** Stages into the batch's own copy of each stream it touches; the event's own stream moves a version. */
  private stagedAccess(staged: Staged): StateAccess {
    return {
      get: (kind, id) => this.streamAsStaged(staged, kind, id).state,
      set: (kind, id, state, own) => {
        const stream = this.stagedStream(staged, kind, id);
        stream.state = state;
        if (own) stream.version++;
      },
    };
  }

  /** The event in its envelope, chained to the previous event of its partition (as staged). */
  private envelope(staged: Staged, { streamId, event }: Decided, ctx: CommandContext, now: string, metadataJson?: string): NewEvent {
    const stream = staged.streams[deciderForEvent(event.type).name].get(streamId);
    assert(stream, () => `${event.type} was not staged on ${streamId}`);
    const partition = partitionOf(streamId, this.partitions);
    const prevHash = staged.heads.get(partition) ?? this.headUnder(staged, partition);
    const body = { eventId: this.options.newId(), type: event.type, streamId, streamVersion: stream.version, partition, occurredAt: now, data: event.data, metadata: ctx };
    const chained = chainEvent(prevHash, body, metadataJson);
    staged.heads.set(partition, chained.hash);
    return chained as NewEvent;
  }

  /**
   * Applies a prepared batch whose events the log stored (in the order given). Returns, per
   * outcome, the stored events of an accepted command (null for the others).
   */
  commit(prepared: PreparedBatch, stored: readonly StoredEvent[]): Array<StoredEvent[] | null> {
    assert(stored.length === prepared.events.length, () => `the log stored ${stored.length} events of ${prepared.events.length}`);
    stored.forEach((e, i) => assert(e.eventId === prepared.events[i]!.eventId, () => `the log stored event ${e.eventId} where ${prepared.events[i]!.eventId} was appended`));
    for (const kind of Object.keys(prepared.staged.streams) as AggregateName[]) {
      for (const [id, stream] of prepared.staged.streams[kind]) this.setStream(kind, id, stream);
    }
    for (const [partition, hash] of prepared.staged.heads) this.lastHash.set(partition, hash);
    // The batches under it are committed by now: let them go (a chain of staged batches would hold every batch ever decided).
    prepared.staged.under = [];
    for (const e of stored) this.lastPosition.set(e.partition, Math.max(this.position(e.partition), e.position));

    let offset = 0;
    const results = prepared.outcomes.map((outcome) => {
      if (outcome.kind !== 'accepted' && outcome.kind !== 'refused') return null;
      const mine = stored.slice(offset, offset + (outcome.events?.length ?? 0));
      offset += mine.length;
      // A recorded refusal is remembered by its CommandRefused event; conflicts and malformed input are answered afresh.
      if (outcome.kind === 'refused') {
        if (mine[0]) this.index.add(indexed(mine[0]));
        return null;
      }
      const { commandId, requestHash } = mine[0]!.metadata;
      this.index.set(commandId, { requestHash, at: mine.map((e): LogPosition => [e.partition, e.position]), refusal: null });
      return mine;
    });
    this.index.trim();
    return results;
  }

  /** Applies an event read from the log (start, resync). The log must continue where this state ends. */
  apply(e: StoredEvent): void {
    assert(e.partition >= 0 && e.partition < this.partitions, () => `event ${e.eventId} in partition ${e.partition} of ${this.partitions}`);
    assert(e.position > this.position(e.partition), () => `event ${e.eventId} at ${e.partition}/${e.position} is not after ${this.position(e.partition)}`);
    assert(e.prevHash === this.head(e.partition), () => `event ${e.eventId} at ${e.partition}/${e.position} does not continue the hash chain`);
    const decider = deciderForEvent(e.type);
    const version = this.stream(decider.name, e.streamId).version;
    assert(e.streamVersion === version + 1, () => `event ${e.eventId} has version ${e.streamVersion} in ${e.streamId}, expected ${version + 1}`);
    evolveDecided(
      {
        get: (kind, id) => this.stream(kind, id).state,
        set: (kind, id, state, own) => this.setStream(kind, id, { state, version: this.stream(kind, id).version + (own ? 1 : 0) }),
      },
      { streamId: e.streamId, event: e },
    );
    this.lastHash.set(e.partition, e.hash);
    this.lastPosition.set(e.partition, e.position);
    // A command's events may span partitions: they join one entry.
    this.index.add(indexed(e));
    this.index.trim();
  }

  snapshot(): EngineSnapshot {
    const streams: EngineSnapshot['streams'] = [];
    for (const d of DECIDERS) for (const [id, s] of this.streams[d.name]) streams.push([d.name, id, s.version, d.encode(s.state)]);
    const { entries, evicted } = this.index.dump();
    return {
      format: 4,
      heads: Array.from({ length: this.partitions }, (_, partition) => ({ partition, position: this.position(partition), hash: this.head(partition) })),
      streams,
      commands: entries.filter(([, r]) => !r.refusal).map(([id, r]) => [id, r.requestHash, r.at]),
      refusals: entries.flatMap(([id, { requestHash, at, refusal }]) => (refusal ? [[id, requestHash, refusal.code, refusal.message, refusal.field, at[0]!]] : [])),
      evicted,
    };
  }

  restore(snapshot: EngineSnapshot): void {
    assert(snapshot.format === 4 && snapshot.heads.length === this.partitions, 'snapshot does not fit this log');
    assert(DECIDERS.every((d) => this.streams[d.name].size === 0), 'restore only into an empty state machine');
    for (const [kind, id, version, encoded] of snapshot.streams) this.setStream(kind, id, { state: deciderNamed(kind).decode(encoded), version });
    const commands = snapshot.commands.map(([id, requestHash, at]): [string, Remembered] => [id, { requestHash, at, refusal: null }]);
    const refusals = snapshot.refusals.map(([id, requestHash, code, message, field, at]): [string, Remembered] => [id, { requestHash, at: [at], refusal: { code, message, field } }]);
    this.index.restore([...commands, ...refusals], snapshot.evicted);
    for (const head of snapshot.heads) {
      this.lastPosition.set(head.partition, head.position);
      this.lastHash.set(head.partition, head.position < 0 ? GENESIS_HASH : head.hash);
    }
  }

  private viewOf(staged: Staged): StateView {
    return { get: (kind, id) => this.streamAsStaged(staged, kind, id).state };
  }

  /** A stream as the batch sees it: its own staged copy, else the newest in-flight batch's, else the committed one. */
  private streamAsStaged<K extends AggregateName>(staged: Staged, kind: K, id: string): Stream<AggregateStates[K]> {
    const own: Map<string, Stream<AggregateStates[K]>> = staged.streams[kind];
    const found = own.get(id);
    if (found) return found;
    for (let i = staged.under.length - 1; i >= 0; i--) {
      const under: Map<string, Stream<AggregateStates[K]>> = staged.under[i]!.streams[kind];
      const s = under.get(id);
      if (s) return s;
    }
    return this.stream(kind, id);
  }

  /** The hash a partition's next event chains to, as the batch sees it (in-flight batches first). */
  private headUnder(staged: Staged, partition: number): string {
    for (let i = staged.under.length - 1; i >= 0; i--) {
      const hash = staged.under[i]!.heads.get(partition);
      if (hash !== undefined) return hash;
    }
    return this.head(partition);
  }

  private head(partition: number): string {
    return this.lastHash.get(partition) ?? GENESIS_HASH;
  }

  private stream<K extends AggregateName>(kind: K, id: string): Stream<AggregateStates[K]> {
    const streams: Map<string, Stream<AggregateStates[K]>> = this.streams[kind];
    return streams.get(id) ?? { state: initialStateOf(kind), version: 0 };
  }

  private stagedStream<K extends AggregateName>(staged: Staged, kind: K, id: string): Stream<AggregateStates[K]> {
    const streams: Map<string, Stream<AggregateStates[K]>> = staged.streams[kind];
    let stream = streams.get(id);
    if (!stream) {
      stream = { ...this.streamAsStaged(staged, kind, id) };
      streams.set(id, stream);
    }
    return stream;
  }

  private setStream<K extends AggregateName>(kind: K, id: string, stream: Stream<AggregateStates[K]>): void {
    const streams: Map<string, Stream<AggregateStates[K]>> = this.streams[kind];
    streams.set(id, stream);
    const timeout = deciderNamed(kind).timeout;
    if (!timeout) return;
    const dueAt = timeout.dueAt(stream.state);
    const key = `${kind}\u0000${id}`;
    if (dueAt === null) this.deadlines.delete(key);
    else this.deadlines.set(key, [kind, id, Date.parse(dueAt)]);
  }

  /**
   * The commands due at `now` (at most `limit`, earliest first): a hold whose timeout passed gets
   * its ExpireHold under `expire:<holdId>`. The shell submits them like any command; the command id
   * makes each exactly-once, whichever writer or restart submits it.
   */
  due(now: string, limit: number): DueCommand[] {
    assert(Number.isInteger(limit) && limit > 0, 'due() needs a positive limit');
    const at = Date.parse(now);
    assert(Number.isFinite(at), () => `${now} is not an instant`);
    const due = [...this.deadlines.values()].filter(([, , dueAt]) => dueAt <= at).sort((a, b) => a[2] - b[2]).slice(0, limit);
    return due.map(([kind, id]) => {
      const timeout = deciderNamed(kind).timeout;
      assert(timeout, () => `${kind} has a deadline but no timeout`);
      const state = this.stream(kind, id).state;
      return { command: timeout.command(id, state), commandId: timeout.commandId(id) };
    });
  }

  /** How many deadlines are pending (active holds with a timeout). */
  get pendingDeadlines(): number {
    return this.deadlines.size;
  }
}

/** An event of the log as the idempotency index sees it. */
function indexed(e: StoredEvent): IndexedEvent {
  const { commandId, requestHash } = e.metadata;
  const refusal = e.type === 'CommandRefused' ? { code: e.data.code, message: e.data.message, field: e.data.field } : null;
  return { commandId, requestHash, partition: e.partition, position: e.position, refusal };
}
