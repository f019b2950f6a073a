import { uuidv7 } from 'uuidv7';
import { type AccountState, type Decided, type ExistingAccount, type LedgerCommand, decide, decideTransfer, evolve, initialState } from '../domain/account/index.ts';
import { type AlertCommand, type AlertEvent, type AlertState, decideAlert, evolveAlert, initialAlertState, isAlertCommand } from '../domain/alert/index.ts';
import { DomainError } from '../domain/errors.ts';
import { type EventMetadata, GENESIS_HASH, type NewEvent, type StoredEvent, chainHash, isAlertEvent, toAccountEvent, toAlertEvent } from '../log/envelope.ts';
import { type EventLog, LogUnavailableError, WriterFencedError, partitionOf } from '../log/event-log.ts';
import { type EngineSnapshot, type SnapshotStore, accountFromRow, accountToRow } from './snapshot.ts';

/** Who sent a command, under which idempotency key, from where. */
export type CommandContext = EventMetadata;

export interface EngineOptions {
  clock?: () => Date;
  /** Most commands decided into one append (group commit). */
  maxBatch?: number;
  /** How many refused commands to remember for idempotent retries (in memory only). */
  refusalCacheSize?: number;
  /** Page size when rebuilding state from the log. */
  replayPage?: number;
  /** Where snapshots are kept; without one, start replays the whole log. */
  snapshots?: SnapshotStore;
  /** Take a snapshot after this many appended events (default 250,000). */
  snapshotEvery?: number;
  onSnapshotError?: (err: unknown) => void;
}

export interface ExecuteResult {
  events: StoredEvent[];
  /** True when the command id had been applied before and this is its first result again. */
  replayed: boolean;
}

/** Account and transfer commands, plus analysts' alert lifecycle commands (stream id = alert id). */
export type EngineCommand = LedgerCommand | AlertCommand;

interface Pending {
  command: EngineCommand;
  ctx: CommandContext;
  resolve: (r: ExecuteResult) => void;
  reject: (e: unknown) => void;
}

/** Where a command's events are: enough to answer a retry without keeping the events in memory. */
interface AppliedCommand {
  requestHash: string;
  /** [partition, position] of each event, in the order the command produced them. */
  at: Array<[partition: number, position: number]>;
}

/**
 * The single writer. Commands are queued, decided one after another against in-memory account
 * states, and every command decided while the previous append was in flight goes into the next
 * append (group commit). A request resolves only after its append is durable; a failed append
 * throws the staged states away.
 */
export class LedgerEngine {
  private readonly states = new Map<string, ExistingAccount>();
  private readonly alerts = new Map<string, AlertState>();
  private readonly lastHash = new Map<number, string>();
  private readonly lastPosition = new Map<number, number>();
  private readonly applied = new Map<string, AppliedCommand>();
  private readonly refusals = new Map<string, { requestHash: string; error: DomainError }>();
  private queue: Pending[] = [];
  private flushing = false;
  private fenced: WriterFencedError | null = null;
  /** Set after an append whose outcome is unknown: the log must be re-read before deciding again. */
  private stale = false;
  private readonly clock: () => Date;
  private readonly maxBatch: number;
  private readonly refusalCacheSize: number;
  private readonly replayPage: number;
  private readonly fencedListeners: Array<(e: WriterFencedError) => void> = [];
  private readonly snapshots: SnapshotStore | null;
  private readonly snapshotEvery: number;
  private readonly onSnapshotError: (err: unknown) => void;
  private eventsSinceSnapshot = 0;
  private snapshotting: Promise<void> | null = null;
  /** How the last start went: for logs and the cold-start benchmark. */
  readonly startInfo = { snapshotUsed: false, snapshotEvents: 0, replayedEvents: 0 };
  /** Counters for metrics and benchmarks. */
  readonly stats = { appends: 0, eventsAppended: 0, commandsAccepted: 0, commandsRefused: 0 };

  constructor(
    private readonly log: EventLog,
    options: EngineOptions = {},
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.maxBatch = options.maxBatch ?? 2000;
    this.refusalCacheSize = options.refusalCacheSize ?? 100_000;
    this.replayPage = options.replayPage ?? 5000;
    this.snapshots = options.snapshots ?? null;
    this.snapshotEvery = options.snapshotEvery ?? 250_000;
    this.onSnapshotError = options.onSnapshotError ?? (() => {});
  }

  /** Becomes the writer, then rebuilds every account and the command index: from the newest snapshot, then the log after it. */
  async start(): Promise<void> {
    await this.log.acquireWriter();
    for (let p = 0; p < this.log.partitions; p++) {
      this.lastHash.set(p, GENESIS_HASH);
      this.lastPosition.set(p, -1);
    }
    const snapshot = this.snapshots ? await this.snapshots.load() : null;
    if (snapshot && (await this.matchesLog(snapshot))) this.restore(snapshot);
    const before = this.eventsSinceSnapshot;
    await this.catchUp();
    this.startInfo.replayedEvents = this.eventsSinceSnapshot - before;
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

  private restore(snapshot: EngineSnapshot): void {
    for (const row of snapshot.accounts) this.states.set(row[0], accountFromRow(row));
    for (const [id, requestHash, at] of snapshot.commands) this.applied.set(id, { requestHash, at });
    for (const [id, status, version] of snapshot.alerts) this.alerts.set(id, { id, status, version });
    for (const head of snapshot.heads) {
      this.lastPosition.set(head.partition, head.position);
      this.lastHash.set(head.partition, head.position < 0 ? GENESIS_HASH : head.hash);
    }
    this.startInfo.snapshotUsed = true;
    this.startInfo.snapshotEvents = snapshot.heads.reduce((n, h) => n + h.position + 1, 0);
  }

  /** Captures the committed state now (synchronously, between batches) and saves it. */
  async snapshot(): Promise<void> {
    if (!this.snapshots) return;
    while (this.snapshotting) await this.snapshotting;
    const snapshot: EngineSnapshot = {
      format: 1,
      heads: [...this.lastPosition].map(([partition, position]) => ({ partition, position, hash: this.lastHash.get(partition) ?? GENESIS_HASH })),
      accounts: [...this.states.values()].map(accountToRow),
      commands: [...this.applied].map(([id, a]) => [id, a.requestHash, a.at]),
      alerts: [...this.alerts.values()].map((a) => [a.id, a.status, a.version]),
    };
    this.eventsSinceSnapshot = 0;
    const store = this.snapshots;
    this.snapshotting = store
      .save(snapshot)
      .catch((err: unknown) => this.onSnapshotError(err))
      .finally(() => {
        this.snapshotting = null;
      });
    await this.snapshotting;
  }

  onFenced(listener: (e: WriterFencedError) => void): void {
    this.fencedListeners.push(listener);
  }

  /** True once another writer took over: this engine refuses every command. */
  get isFenced(): boolean {
    return this.fenced !== null;
  }

  get accountCount(): number {
    return this.states.size;
  }

  account(id: string): AccountState {
    return this.states.get(id) ?? initialState();
  }

  execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult> {
    if (this.fenced) return Promise.reject(new LogUnavailableError('this writer was fenced by another writer'));
    return new Promise((resolve, reject) => {
      this.queue.push({ command, ctx, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Resolves once everything queued so far has been appended or refused. */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
        this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
        await this.process(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async process(batch: Pending[]): Promise<void> {
    if (this.fenced) {
      for (const p of batch) p.reject(new LogUnavailableError('this writer was fenced by another writer'));
      return;
    }
    if (this.stale && !(await this.resync())) {
      for (const p of batch) p.reject(new LogUnavailableError('the event log cannot be read; nothing was written'));
      return;
    }
    const staged = new Map<string, ExistingAccount>();
    const stagedHash = new Map<number, string>();
    const leaders = new Map<string, { pending: Pending; followers: Pending[]; events: NewEvent[] }>();
    const replays: Array<{ pending: Pending; applied: AppliedCommand }> = [];
    const now = this.clock().toISOString();

    const stateOf = (id: string): AccountState => staged.get(id) ?? this.states.get(id) ?? initialState();
    const stagedAlerts = new Map<string, AlertState>();
    const alertStateOf = (id: string): AlertState => stagedAlerts.get(id) ?? this.alerts.get(id) ?? initialAlertState(id);

    for (const p of batch) {
      const id = p.ctx.commandId;
      const prior = this.applied.get(id);
      if (prior) {
        if (prior.requestHash === p.ctx.requestHash) replays.push({ pending: p, applied: prior });
        else p.reject(conflict(id));
        continue;
      }
      const leader = leaders.get(id);
      if (leader) {
        if (leader.pending.ctx.requestHash === p.ctx.requestHash) leader.followers.push(p);
        else p.reject(conflict(id));
        continue;
      }
      const refused = this.refusals.get(id);
      if (refused) {
        p.reject(refused.requestHash === p.ctx.requestHash ? refused.error : conflict(id));
        continue;
      }
      let decided: Array<Decided | { streamId: string; event: AlertEvent }>;
      try {
        decided = isAlertCommand(p.command)
          ? decideAlert(p.command, alertStateOf(p.command.alertId))
          : p.command.type === 'Transfer'
            ? decideTransfer(p.command, stateOf(p.command.fromAccountId), stateOf(p.command.toAccountId))
            : decide(p.command, stateOf(p.command.accountId));
      } catch (err) {
        if (err instanceof DomainError) this.rememberRefusal(id, p.ctx.requestHash, err);
        this.stats.commandsRefused++;
        p.reject(err);
        continue;
      }
      const enveloped: NewEvent[] = [];
      for (const d of decided) {
        let version: number;
        if (d.event.type === 'AlertStatusChanged') {
          const nextAlert = evolveAlert(alertStateOf(d.streamId), d.event);
          stagedAlerts.set(d.streamId, nextAlert);
          version = nextAlert.version;
        } else {
          const next = evolve(stateOf(d.streamId), d.event);
          if (next.status === 'none') throw new Error(`evolve left ${d.streamId} without state`);
          staged.set(d.streamId, next);
          version = next.version;
        }
        const partition = partitionOf(d.streamId, this.log.partitions);
        const prevHash = stagedHash.get(partition) ?? this.lastHash.get(partition) ?? GENESIS_HASH;
        const body = {
          eventId: uuidv7(),
          type: d.event.type,
          streamId: d.streamId,
          streamVersion: version,
          partition,
          occurredAt: now,
          data: d.event.data,
          metadata: p.ctx,
        };
        const hash = chainHash(prevHash, body);
        stagedHash.set(partition, hash);
        enveloped.push({ ...body, prevHash, hash });
      }
      leaders.set(id, { pending: p, followers: [], events: enveloped });
    }

    const toAppend = [...leaders.values()].flatMap((l) => l.events);
    if (toAppend.length > 0) {
      let stored: StoredEvent[];
      try {
        stored = await this.log.append(toAppend);
      } catch (err) {
        if (err instanceof WriterFencedError) {
          this.fenced = err;
          for (const listener of this.fencedListeners) listener(err);
        } else {
          // The append may or may not have landed: take the log's word for it before answering,
          // so a retry with the same key finds the command if it did land.
          this.stale = true;
          await this.resync();
        }
        const failure = err instanceof WriterFencedError ? new LogUnavailableError('this writer was fenced by another writer', { cause: err }) : err;
        for (const l of leaders.values()) for (const p of [l.pending, ...l.followers]) p.reject(failure);
        await this.answerReplays(replays);
        return;
      }
      for (const [id, state] of staged) this.states.set(id, state);
      for (const [id, state] of stagedAlerts) this.alerts.set(id, state);
      for (const [p, h] of stagedHash) this.lastHash.set(p, h);
      let offset = 0;
      for (const [id, l] of leaders) {
        const mine = stored.slice(offset, offset + l.events.length);
        offset += l.events.length;
        for (const e of mine) this.lastPosition.set(e.partition, Math.max(this.lastPosition.get(e.partition) ?? -1, e.position));
        this.remember(id, l.pending.ctx.requestHash, mine);
        this.stats.commandsAccepted++;
        l.pending.resolve({ events: mine, replayed: false });
        for (const f of l.followers) f.resolve({ events: mine, replayed: true });
      }
      this.stats.appends++;
      this.stats.eventsAppended += stored.length;
      this.eventsSinceSnapshot += stored.length;
      if (this.eventsSinceSnapshot >= this.snapshotEvery && !this.snapshotting) void this.snapshot();
    }
    await this.answerReplays(replays);
  }

  private async answerReplays(replays: Array<{ pending: Pending; applied: AppliedCommand }>): Promise<void> {
    for (const { pending, applied } of replays) {
      try {
        pending.resolve({ events: await this.readApplied(applied), replayed: true });
      } catch (err) {
        pending.reject(err);
      }
    }
  }

  private async readApplied(applied: AppliedCommand): Promise<StoredEvent[]> {
    const found = new Map<string, StoredEvent>();
    const partitions = new Set(applied.at.map(([p]) => p));
    for (const partition of partitions) {
      const positions = applied.at.filter(([p]) => p === partition).map(([, pos]) => pos);
      const first = Math.min(...positions);
      const last = Math.max(...positions);
      for (const e of await this.log.read(partition, first - 1, last - first + 1)) found.set(`${e.partition}:${e.position}`, e);
    }
    return applied.at.map(([p, pos]) => found.get(`${p}:${pos}`)).filter((e): e is StoredEvent => e !== undefined);
  }

  /** Records where a command's events are; events of one command found in several partitions are merged. */
  private remember(commandId: string, requestHash: string, events: StoredEvent[]): void {
    if (events.length === 0) return;
    const at = events.map((e): [number, number] => [e.partition, e.position]);
    const prior = this.applied.get(commandId);
    if (prior && prior.requestHash === requestHash && prior.at[0]![0] !== at[0]![0]) prior.at.push(...at);
    else this.applied.set(commandId, { requestHash, at });
  }

  private rememberRefusal(commandId: string, requestHash: string, error: DomainError): void {
    if (error.code === 'validation_failed') return;
    if (this.refusals.size >= this.refusalCacheSize) {
      const oldest = this.refusals.keys().next();
      if (!oldest.done) this.refusals.delete(oldest.value);
    }
    this.refusals.set(commandId, { requestHash, error });
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

  /** Applies whatever the log holds past what this engine has seen: used at start and after an uncertain append. */
  private async catchUp(): Promise<void> {
    for (let p = 0; p < this.log.partitions; p++) {
      let after = this.lastPosition.get(p) ?? -1;
      // A command's events are contiguous in its partition: group them to rebuild the command index.
      let group: StoredEvent[] = [];
      const flushGroup = () => {
        if (group.length > 0) this.remember(group[0]!.metadata.commandId, group[0]!.metadata.requestHash, group);
        group = [];
      };
      for (;;) {
        const page = await this.log.read(p, after, this.replayPage);
        if (page.length === 0) break;
        for (const e of page) {
          if (isAlertEvent(e)) {
            this.alerts.set(e.streamId, evolveAlert(this.alerts.get(e.streamId) ?? initialAlertState(e.streamId), toAlertEvent(e)));
          } else {
            const next = evolve(this.states.get(e.streamId) ?? initialState(), toAccountEvent(e));
            if (next.status !== 'none') this.states.set(e.streamId, next);
          }
          this.lastHash.set(p, e.hash);
          this.lastPosition.set(p, e.position);
          this.eventsSinceSnapshot++;
          after = e.position;
          if (group.length > 0 && group[0]!.metadata.commandId !== e.metadata.commandId) flushGroup();
          group.push(e);
        }
      }
      flushGroup();
    }
  }
}

function conflict(_commandId: string): DomainError {
  return new DomainError('idempotency_conflict', 'this Idempotency-Key was already used with a different request', 'Idempotency-Key');
}
