import type { Db } from '../db/client.ts';
import { balances } from '../db/schema.ts';
import { AssertionError } from '../assert.ts';
import type { AccountState } from '../domain/account/index.ts';
import type { AggregateName, AggregateStates } from '../domain/decider.ts';
import { formatAmount } from '../domain/money.ts';
import { deciderForEvent } from '../domain/registry.ts';
import { GENESIS_HASH, type StoredEvent, chainHash } from '../log/envelope.ts';
import type { EventLog } from '../log/event-log.ts';

export const CHAIN_BREAK_REASONS = ['hash_mismatch', 'prev_hash_mismatch', 'stream_version_gap', 'invalid_event'] as const;

export interface ChainBreak {
  partition: number;
  position: number;
  reason: (typeof CHAIN_BREAK_REASONS)[number];
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  accounts: number;
  chain: { ok: boolean; firstBreak: ChainBreak | null };
  balances: { ok: boolean; mismatches: Array<{ accountId: string; log: string; readModel: string | null }> };
}

type Stream = { kind: AggregateName; version: number; state: AggregateStates[AggregateName] };

/**
 * Recomputes the hash chain of every partition and replays every stream through its decider,
 * reporting the first broken link: a hash, a link to the previous event, a gap in a stream's
 * versions, or an event its stream's state cannot take.
 */
export async function verifyChain(log: EventLog, onEvents: (n: number) => void = () => {}): Promise<{ ok: boolean; firstBreak: ChainBreak | null; events: number; accounts: Map<string, { state: AccountState; version: number }> }> {
  const walk = new ChainWalk(log);
  for (let p = 0; p < log.partitions; p++) await walk.extend(p, onEvents);
  const accounts = new Map<string, { state: AccountState; version: number }>();
  for (const [id, s] of walk.streams) if (s.kind === 'account') accounts.set(id, { state: s.state as AccountState, version: s.version });
  return { ok: walk.firstBreak === null, firstBreak: walk.firstBreak, events: walk.events, accounts };
}

export interface ChainVerification {
  ok: boolean;
  firstBreak: ChainBreak | null;
  /** Events verified in all, since genesis. */
  events: number;
  /** Events this call read and checked (the rest is the remembered, verified prefix). */
  newEvents: number;
  mode: 'incremental' | 'full';
}

/**
 * The hash chain verified incrementally: the verified prefix of each partition (position and hash
 * of its last event, and the streams' replayed state) is remembered, and a call checks only what
 * was appended after it — that the first new event links to the remembered hash, that the
 * remembered last event still has that hash, and every new link. `full` starts again from genesis
 * (what catches an edit inside the prefix that left its last hash alone). Concurrent callers share
 * one run.
 */
export class ChainVerifier {
  private walk: ChainWalk | null = null;
  private running: Promise<ChainVerification> | null = null;

  constructor(private readonly log: EventLog) {}

  verify(options: { full?: boolean } = {}): Promise<ChainVerification> {
    const previous = this.running ?? Promise.resolve(null);
    const run = previous.then(() => this.run(options.full ?? false));
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
    }).catch(() => {});
    return run;
  }

  private async run(full: boolean): Promise<ChainVerification> {
    if (full || !this.walk) this.walk = new ChainWalk(this.log);
    const walk = this.walk;
    const mode = full || walk.events === 0 ? 'full' : 'incremental';
    let newEvents = 0;
    for (let p = 0; p < this.log.partitions; p++) {
      await walk.checkHead(p);
      newEvents += await walk.extend(p);
    }
    return { ok: walk.firstBreak === null, firstBreak: walk.firstBreak, events: walk.events, newEvents, mode };
  }
}

/**
 * One walk of the log's hash chain, the state both verifications keep: each partition's last
 * verified event, every stream's replayed state, and the first broken link.
 */
class ChainWalk {
  readonly heads: Array<{ position: number; hash: string }>;
  readonly streams = new Map<string, Stream>();
  events = 0;
  firstBreak: ChainBreak | null = null;

  constructor(private readonly log: EventLog) {
    this.heads = Array.from({ length: log.partitions }, () => ({ position: -1, hash: GENESIS_HASH }));
  }

  /** Checks every event of the partition after its head (link, hash, stream replay) and moves the head; returns how many it read. */
  async extend(p: number, onEvents: (n: number) => void = () => {}): Promise<number> {
    const head = this.heads[p]!;
    let read = 0;
    for (;;) {
      const page = await this.log.read(p, head.position, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        const found = checkLink(head.hash, e) ?? replay(this.streams, e);
        this.firstBreak ??= found;
        head.position = e.position;
        head.hash = e.hash;
      }
      read += page.length;
      this.events += page.length;
      onEvents(page.length);
    }
    return read;
  }

  /** The partition's last verified event must still be there with the hash it was verified with. */
  async checkHead(p: number): Promise<void> {
    const head = this.heads[p]!;
    if (head.position < 0) return;
    const [anchor] = await this.log.read(p, head.position - 1, 1);
    if (!anchor || anchor.position !== head.position || anchor.hash !== head.hash) {
      this.firstBreak ??= { partition: p, position: head.position, reason: 'hash_mismatch', detail: `the verified event at ${head.position} no longer has hash ${head.hash}` };
    }
  }
}

function checkLink(prev: string, e: StoredEvent): ChainBreak | null {
  if (e.prevHash !== prev) return { partition: e.partition, position: e.position, reason: 'prev_hash_mismatch', detail: `event ${e.eventId} links to ${e.prevHash}, previous hash is ${prev}` };
  if (chainHash(prev, e) !== e.hash) return { partition: e.partition, position: e.position, reason: 'hash_mismatch', detail: `event ${e.eventId} content does not match its hash` };
  return null;
}

/** Evolves the event's stream; a version gap or an event the state cannot take is a break (the stream keeps its last good state). */
function replay(streams: Map<string, Stream>, e: StoredEvent): ChainBreak | null {
  const decider = deciderForEvent(e.type);
  const before = streams.get(e.streamId) ?? { kind: decider.name, version: 0, state: decider.initialState() };
  const at = { partition: e.partition, position: e.position };
  if (e.streamVersion !== before.version + 1) {
    return { ...at, reason: 'stream_version_gap', detail: `stream ${e.streamId} jumps to version ${e.streamVersion}, expected ${before.version + 1}` };
  }
  try {
    streams.set(e.streamId, { kind: decider.name, version: e.streamVersion, state: decider.evolve(before.state, e) });
    return null;
  } catch (err) {
    if (err instanceof AssertionError) return { ...at, reason: 'invalid_event', detail: err.message };
    throw err;
  }
}

/** `ledger verify`: the hash chain, then the balances read model against a full replay of the log. */
export async function verifyLedger(log: EventLog, db: Db, onEvents?: (n: number) => void): Promise<VerifyReport> {
  const chain = await verifyChain(log, onEvents);
  const projected = new Map((await db.select().from(balances)).map((b) => [b.accountId, b]));
  const mismatches: VerifyReport['balances']['mismatches'] = [];
  for (const [id, { state, version }] of chain.accounts) {
    if (state.status === 'none') continue;
    const row = projected.get(id);
    const expected = formatAmount(state.balance, state.currency);
    const actual = row ? formatAmount(row.balance, state.currency) : null;
    if (actual !== expected || row?.version !== version) mismatches.push({ accountId: id, log: `${expected} v${version}`, readModel: row ? `${actual} v${row.version}` : null });
    projected.delete(id);
  }
  for (const [id, row] of projected) mismatches.push({ accountId: id, log: 'absent', readModel: `${row.balance.toFixed()} v${row.version}` });
  return {
    ok: chain.ok && mismatches.length === 0,
    events: chain.events,
    accounts: chain.accounts.size,
    chain: { ok: chain.ok, firstBreak: chain.firstBreak },
    balances: { ok: mismatches.length === 0, mismatches: mismatches.slice(0, 100) },
  };
}
