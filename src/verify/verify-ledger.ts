import type { Db } from '../db/client.ts';
import { balances } from '../db/schema.ts';
import { type AccountState, evolve, initialState } from '../domain/account/index.ts';
import { formatAmount } from '../domain/money.ts';
import { GENESIS_HASH, chainHash, isAlertEvent, toAccountEvent } from '../log/envelope.ts';
import type { EventLog } from '../log/event-log.ts';

export interface ChainBreak {
  partition: number;
  position: number;
  reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'stream_version_gap';
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  accounts: number;
  chain: { ok: boolean; firstBreak: ChainBreak | null };
  balances: { ok: boolean; mismatches: Array<{ accountId: string; log: string; readModel: string | null }> };
}

/** Recomputes the hash chain of every partition and reports the first broken link. */
export async function verifyChain(log: EventLog, onState?: (s: Map<string, AccountState>) => void): Promise<{ ok: boolean; firstBreak: ChainBreak | null; events: number; states: Map<string, AccountState> }> {
  const states = new Map<string, AccountState>();
  const alertVersions = new Map<string, number>();
  let firstBreak: ChainBreak | null = null;
  let count = 0;
  for (let p = 0; p < log.partitions; p++) {
    let prev = GENESIS_HASH;
    let after = -1;
    for (;;) {
      const page = await log.read(p, after, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        count++;
        after = e.position;
        if (!firstBreak) {
          if (e.prevHash !== prev) firstBreak = { partition: p, position: e.position, reason: 'prev_hash_mismatch', detail: `event ${e.eventId} links to ${e.prevHash}, previous hash is ${prev}` };
          else if (chainHash(prev, e) !== e.hash) firstBreak = { partition: p, position: e.position, reason: 'hash_mismatch', detail: `event ${e.eventId} content does not match its hash` };
        }
        if (isAlertEvent(e)) {
          // Alert lifecycle streams: only their version sequence is checked here.
          const expected = (alertVersions.get(e.streamId) ?? 0) + 1;
          if (!firstBreak && e.streamVersion !== expected) {
            firstBreak = { partition: p, position: e.position, reason: 'stream_version_gap', detail: `stream ${e.streamId} jumps to version ${e.streamVersion}, expected ${expected}` };
          }
          alertVersions.set(e.streamId, e.streamVersion);
          prev = e.hash;
          continue;
        }
        const before = states.get(e.streamId) ?? initialState();
        const expectedVersion = before.status === 'none' ? 1 : before.version + 1;
        if (!firstBreak && e.streamVersion !== expectedVersion) {
          firstBreak = { partition: p, position: e.position, reason: 'stream_version_gap', detail: `stream ${e.streamId} jumps to version ${e.streamVersion}, expected ${expectedVersion}` };
        }
        states.set(e.streamId, evolve(before, toAccountEvent(e)));
        prev = e.hash;
      }
    }
  }
  onState?.(states);
  return { ok: firstBreak === null, firstBreak, events: count, states };
}

/** `ledger verify`: the hash chain, then the balances read model against a full replay of the log. */
export async function verifyLedger(log: EventLog, db: Db): Promise<VerifyReport> {
  const chain = await verifyChain(log);
  const projected = new Map((await db.select().from(balances)).map((b) => [b.accountId, b]));
  const mismatches: VerifyReport['balances']['mismatches'] = [];
  for (const [id, state] of chain.states) {
    if (state.status === 'none') continue;
    const row = projected.get(id);
    const expected = formatAmount(state.balance, state.currency);
    const actual = row ? formatAmount(row.balance, state.currency) : null;
    if (actual !== expected || row?.version !== state.version) mismatches.push({ accountId: id, log: `${expected} v${state.version}`, readModel: row ? `${actual} v${row.version}` : null });
    projected.delete(id);
  }
  for (const [id, row] of projected) mismatches.push({ accountId: id, log: 'absent', readModel: `${row.balance.toFixed()} v${row.version}` });
  return {
    ok: chain.ok && mismatches.length === 0,
    events: chain.events,
    accounts: chain.states.size,
    chain: { ok: chain.ok, firstBreak: chain.firstBreak },
    balances: { ok: mismatches.length === 0, mismatches: mismatches.slice(0, 100) },
  };
}
