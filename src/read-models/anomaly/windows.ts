import { type AnyColumn, type SQL, and, eq, gte, inArray, sql } from 'drizzle-orm';
import { assert } from '../../assert.ts';
import type { MovementKind } from '../../domain/account/events.ts';
import { type Tx, rowsOf } from '../../db/client.ts';
import { alerts, fraudAccountCounters, fraudAccounts, fraudActivity, fraudCounterparties, fraudFlowTags, fraudPopulation } from '../../db/schema.ts';
import { type AccountProfile, type Activity, AmountDistribution, type FlowTag, type RuleId } from '../../domain/fraud/index.ts';
import { compactDec } from '../../domain/money.ts';
import type { AccountCache } from './account-cache.ts';
import { riskFactorsOf } from './counters.ts';
import type { Touched } from './touched.ts';

/**
 * The state the rules read, loaded for the accounts a batch touches and then kept up to date in
 * memory while the batch is evaluated, event by event.
 */
export interface Windows {
  /** Profiles of the touched accounts, as stored (before the batch). */
  profiles: Map<string, AccountProfile>;
  /** Per account that moves money in the batch: its activity since the longest window before the first movement. */
  recent: Map<string, Activity[]>;
  /** Per owner with a cash-like movement in the batch: the cash-like activity of all their accounts. */
  ownerCash: Map<string, Activity[]>;
  /** pairKey(payer, payee) of the batch's transfer pairs that had a payment before. */
  paid: Set<string>;
  /** Per payer of the batch: the funds in flight it holds. */
  tags: Map<string, FlowTag[]>;
  /** Per currency of the batch: the population's amounts. */
  population: Map<string, AmountDistribution>;
  /** openKey(rule, account) → the open (or investigating) alert of that rule about that account. */
  openAlerts: Map<string, OpenAlert>;
  /** Per account: the highest movement risk so far. */
  risk: Map<string, AccountRisk>;
  /** pairKey(payer, payee) → when they first exchanged money: for the recent payers of the batch's accounts that pay out (takeover). */
  firstContact: Map<string, string>;
}

/** An alert new evidence can join. */
export interface OpenAlert {
  id: string;
  status: 'open' | 'investigating';
}

export interface AccountRisk {
  score: number;
  at: string | null;
  factors: Record<string, number> | null;
}

export const openKey = (rule: string, accountId: string): string => `${rule}|${accountId}`;

export interface Horizons {
  /** The longest rule window (ms). */
  lookBackMs: number;
  /** The longest round-trip window (ms): funds in flight older than that are dead. */
  tagWindowMs: number;
  /** How far a takeover reaches back from a cash-out to the payers' drains (ms). */
  takeoverWindowMs: number;
}

/** `column = any($1::text[])`: one parameter for a batch's thousands of ids, where `in (…)` takes one each. */
const anyOf = (column: AnyColumn, ids: readonly string[]): SQL => sql`${column} = any(${sql.param(ids)}::text[])`;

export const iso = (t: number): string => new Date(t).toISOString();

export function pairKey(a: string, b: string): string {
  return `${a}|${b}`;
}

/** Adds `item` to the list of `key`. */
export function pushTo<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

/** What a batch read through the cache: the accounts whose windows and profiles it may hand back afterwards. */
export interface Loaded {
  /** Account → how far back its window is complete, and its length when loaded (what follows was appended by the batch). */
  windows: Map<string, { since: string; length: number }>;
  /** Accounts whose profile was looked up. */
  profiles: Set<string>;
}

/** Step 2: the windows of everything the batch touches, in one query per table (less what the cache holds). */
export async function loadWindows(tx: Tx, touched: Touched, horizons: Horizons, cache: AccountCache | null = null): Promise<{ windows: Windows; loaded: Loaded }> {
  const loaded: Loaded = { windows: new Map(), profiles: new Set() };
  const since = iso(Date.parse(touched.firstAt) - horizons.lookBackMs);
  const { profiles, risk } = await loadProfiles(tx, [...touched.accountIds], cache, loaded);
  const owners = cashOwners(touched, profiles);
  const recent = await loadRecent(tx, [...new Set(touched.movements.map((m) => m.event.data.accountId))], since, cache, loaded);
  const payers = recentPayers(touched, recent, iso(Date.parse(touched.firstAt) - horizons.takeoverWindowMs));
  const extra = [...new Set([...payers].map(([payer]) => payer))].filter((id) => !recent.has(id));
  for (const [id, acts] of await loadRecent(tx, extra, iso(Date.parse(touched.firstAt) - 2 * horizons.takeoverWindowMs), cache, loaded)) recent.set(id, acts);
  const more = await loadProfiles(tx, extra.filter((id) => !profiles.has(id)), cache, loaded);
  for (const [id, p] of more.profiles) profiles.set(id, p);
  for (const [id, r] of more.risk) risk.set(id, r);
  const windows: Windows = {
    profiles,
    recent,
    ownerCash: await loadOwnerCash(tx, owners, since),
    paid: await loadPaid(tx, touched),
    tags: await loadTags(tx, touched.sources, iso(Date.parse(touched.firstAt) - horizons.tagWindowMs)),
    population: await loadPopulation(tx, new Set(touched.movements.map((m) => m.event.data.currency))),
    openAlerts: await loadOpenAlerts(tx, [...new Set([...touched.accountIds, ...touched.targets])]),
    risk,
    firstContact: await loadFirstContact(tx, payers),
  };
  return { windows, loaded };
}

/**
 * After the batch's writes: the cache takes the profiles and windows the batch read, as the batch
 * left them (what it wrote), and drops movements older than any later batch reads back.
 */
export function keepWindows(cache: AccountCache, windows: Windows, loaded: Loaded, touched: Touched, horizons: Horizons, written: { profiles: Iterable<string>; activity: Iterable<string> }): void {
  // Rows the batch wrote for accounts it did not read would leave a stale copy in the cache.
  for (const id of written.profiles) assert(loaded.profiles.has(id), () => `anomaly cache: profile of ${id} written but not read`);
  for (const id of written.activity) assert(loaded.windows.has(id), () => `anomaly cache: activity of ${id} written but its window not read`);
  for (const id of loaded.profiles) {
    const profile = windows.profiles.get(id) ?? null;
    cache.putProfile(id, profile, profile ? (windows.risk.get(id) ?? { score: 0, at: null, factors: null }) : undefined);
  }
  const keepFrom = iso(Date.parse(touched.firstAt) - Math.max(horizons.lookBackMs, 2 * horizons.takeoverWindowMs));
  for (const [id, { since, length }] of loaded.windows) cache.putRecent(id, windows.recent.get(id) ?? [], since, length, keepFrom);
  cache.trim();
}

/**
 * (payer, payee) pairs a takeover may look at: the accounts that paid, since `since`, an account that
 * pays out in the batch (from its stored window and from the batch itself).
 */
function recentPayers(touched: Touched, recent: Map<string, Activity[]>, since: string): Array<[string, string]> {
  const payingOut = new Set(touched.movements.filter((m) => m.event.type === 'FundsWithdrawn' || m.event.type === 'TransferDebited').map((m) => m.event.data.accountId));
  const pairs = new Map<string, [string, string]>();
  for (const id of payingOut) {
    for (const a of recent.get(id) ?? []) if (a.kind === 'transfer_in' && a.counterpartyId !== null && a.occurredAt >= since) pairs.set(pairKey(a.counterpartyId, id), [a.counterpartyId, id]);
  }
  for (const { event } of touched.movements) {
    if (event.type === 'TransferDebited' && payingOut.has(event.data.counterpartyAccountId)) pairs.set(pairKey(event.data.accountId, event.data.counterpartyAccountId), [event.data.accountId, event.data.counterpartyAccountId]);
  }
  return [...pairs.values()];
}

async function loadFirstContact(tx: Tx, pairs: Array<[string, string]>): Promise<Map<string, string>> {
  const first = new Map<string, string>();
  if (!pairs.length) return first;
  const payers = [...new Set(pairs.map(([a]) => a))];
  const payees = [...new Set(pairs.map(([, b]) => b))];
  const rows = await tx
    .select({ a: fraudCounterparties.accountId, b: fraudCounterparties.counterpartyId, firstAt: fraudCounterparties.firstAt })
    .from(fraudCounterparties)
    .where(and(anyOf(fraudCounterparties.accountId, payers), anyOf(fraudCounterparties.counterpartyId, payees)));
  for (const r of rows) first.set(pairKey(r.a, r.b), r.firstAt);
  return first;
}

async function loadPopulation(tx: Tx, currencies: Set<string>): Promise<Map<string, AmountDistribution>> {
  const out = new Map<string, AmountDistribution>([...currencies].map((c) => [c, new AmountDistribution()]));
  if (!currencies.size) return out;
  for (const r of await tx.select().from(fraudPopulation).where(inArray(fraudPopulation.currency, [...currencies]))) {
    out.get(r.currency)!.add(r.kind as MovementKind, r.bucket, r.count);
  }
  return out;
}

async function loadOpenAlerts(tx: Tx, accountIds: string[]): Promise<Map<string, OpenAlert>> {
  const open = new Map<string, OpenAlert>();
  if (!accountIds.length) return open;
  const rows = await tx
    .select({ id: alerts.id, rule: alerts.rule, accountId: alerts.accountId, status: alerts.status })
    .from(alerts)
    .where(and(anyOf(alerts.accountId, accountIds), inArray(alerts.status, ['open', 'investigating'])));
  for (const r of rows) open.set(openKey(r.rule, r.accountId), { id: r.id, status: r.status as OpenAlert['status'] });
  return open;
}

async function loadProfiles(tx: Tx, ids: string[], cache: AccountCache | null, loaded: Loaded): Promise<{ profiles: Map<string, AccountProfile>; risk: Map<string, AccountRisk> }> {
  const profiles = new Map<string, AccountProfile>();
  const risk = new Map<string, AccountRisk>();
  const missing: string[] = [];
  for (const id of ids) {
    loaded.profiles.add(id);
    const hit = cache?.profile(id);
    if (hit === undefined) missing.push(id);
    else if (hit.profile) {
      profiles.set(id, hit.profile);
      risk.set(id, hit.risk!);
    }
  }
  if (!missing.length) return { profiles, risk };
  const rows = await tx
    .select({ profile: fraudAccounts, counters: fraudAccountCounters })
    .from(fraudAccounts)
    .leftJoin(fraudAccountCounters, eq(fraudAccountCounters.accountId, fraudAccounts.accountId))
    .where(anyOf(fraudAccounts.accountId, missing));
  for (const { profile: r, counters: c } of rows) {
    // Written together with the profile when the account first appears (and by the migration that split them).
    assert(c !== null, () => `anomaly: fraud_accounts row of ${r.accountId} without its fraud_account_counters row`);
    profiles.set(r.accountId, {
      accountId: r.accountId,
      ownerId: r.ownerId,
      currency: r.currency,
      openedAt: r.openedAt,
      lastActivityAt: c.lastActivityAt,
      lastAlertAt: r.lastAlertAt as Partial<Record<RuleId, string>>,
      baseline: { movements: c.movements, outs: c.outs, outLogSum: c.outLogSum, outLogSq: c.outLogSq, drains: c.drains, firstAt: c.firstAt },
    });
    risk.set(r.accountId, { score: c.riskScore, at: c.riskAt, factors: riskFactorsOf(c) });
  }
  return { profiles, risk };
}

/** Owners of accounts with cash-like movements (deposits/withdrawals with a channel): per-owner structuring. */
function cashOwners(touched: Touched, profiles: Map<string, AccountProfile>): Set<string> {
  const owners = new Set<string>();
  for (const { event } of touched.movements) {
    if ((event.type === 'FundsDeposited' || event.type === 'FundsWithdrawn') && event.data.channel !== null) {
      const owner = profiles.get(event.data.accountId)?.ownerId ?? touched.openedOwner.get(event.data.accountId) ?? null;
      if (owner !== null) owners.add(owner);
    }
  }
  return owners;
}

/** A fraud_activity row as ACTIVITY_COLUMNS selects it: numerics as text, the position as the driver gives an int8. */
interface ActivityRow {
  event_id: string;
  transaction_id: string;
  account_id: string;
  owner_id: string | null;
  kind: Activity['kind'];
  amount: string;
  currency: string;
  balance_after: string;
  counterparty_id: string | null;
  channel: string | null;
  occurred_at: string;
  position: string | number | bigint;
}

/**
 * The window loads read tens of rows per event on a catch-up that misses the cache: selected raw and
 * mapped here, not through drizzle's generic per-column row mapping (a sixth of the projector's CPU then).
 */
const ACTIVITY_COLUMNS = sql.raw(
  'event_id, transaction_id, account_id, owner_id, kind, amount::text as amount, currency, balance_after::text as balance_after, counterparty_id, channel, occurred_at, position',
);

function activityOf(r: ActivityRow): Activity {
  return {
    eventId: r.event_id,
    transactionId: r.transaction_id,
    accountId: r.account_id,
    ownerId: r.owner_id,
    kind: r.kind,
    amount: compactDec(r.amount),
    currency: r.currency,
    balanceAfter: compactDec(r.balance_after),
    counterpartyId: r.counterparty_id,
    channel: r.channel,
    occurredAt: r.occurred_at,
    position: Number(r.position),
  };
}

async function selectActivity(tx: Tx, where: SQL): Promise<ActivityRow[]> {
  return rowsOf<ActivityRow>(await tx.execute(sql`select ${ACTIVITY_COLUMNS} from ${fraudActivity} where ${where} order by occurred_at, position`));
}

/** The windows of `accountIds` since `since` (accounts without movements there are left out, as the table gives none). */
async function loadRecent(tx: Tx, accountIds: string[], since: string, cache: AccountCache | null, loaded: Loaded): Promise<Map<string, Activity[]>> {
  const recent = new Map<string, Activity[]>();
  const missing: string[] = [];
  for (const id of accountIds) {
    const hit = cache?.recent(id, since);
    if (hit === undefined) {
      missing.push(id);
      continue;
    }
    loaded.windows.set(id, { since: hit.since, length: hit.list.length });
    if (hit.list.length) recent.set(id, hit.list);
  }
  if (!missing.length) return recent;
  const rows = await selectActivity(tx, and(anyOf(fraudActivity.accountId, missing), gte(fraudActivity.occurredAt, since))!);
  for (const r of rows) pushTo(recent, r.account_id, activityOf(r));
  for (const id of missing) loaded.windows.set(id, { since, length: recent.get(id)?.length ?? 0 });
  return recent;
}

/** The predicate of fraud_activity_owner_cash_time_idx, as literals (a partial index serves only a query that implies it). */
const OWNER_CASH = sql`${fraudActivity.ownerId} is not null and ${fraudActivity.channel} is not null and ${fraudActivity.kind} in ('deposit', 'withdrawal')`;

async function loadOwnerCash(tx: Tx, owners: Set<string>, since: string): Promise<Map<string, Activity[]>> {
  const ownerCash = new Map<string, Activity[]>();
  if (!owners.size) return ownerCash;
  const rows = await selectActivity(tx, and(anyOf(fraudActivity.ownerId, [...owners]), gte(fraudActivity.occurredAt, since), OWNER_CASH)!);
  for (const o of owners) ownerCash.set(o, []);
  for (const r of rows) pushTo(ownerCash, r.owner_id!, activityOf(r));
  return ownerCash;
}

async function loadPaid(tx: Tx, touched: Touched): Promise<Set<string>> {
  const paid = new Set<string>();
  if (!touched.sources.size) return paid;
  const rows = await tx
    .select({ a: fraudCounterparties.accountId, b: fraudCounterparties.counterpartyId })
    .from(fraudCounterparties)
    .where(and(anyOf(fraudCounterparties.accountId, [...touched.sources]), anyOf(fraudCounterparties.counterpartyId, [...touched.targets]), sql`${fraudCounterparties.outCount} > 0`));
  for (const r of rows) paid.add(pairKey(r.a, r.b));
  return paid;
}

async function loadTags(tx: Tx, sources: Set<string>, since: string): Promise<Map<string, FlowTag[]>> {
  const tags = new Map<string, FlowTag[]>();
  if (!sources.size) return tags;
  const rows = await tx.select().from(fraudFlowTags).where(and(anyOf(fraudFlowTags.accountId, [...sources]), gte(fraudFlowTags.startedAt, since)));
  for (const r of rows) pushTo(tags, r.accountId, { tagId: r.tagId, originId: r.originId, path: r.path, amount: r.amount, startedAt: r.startedAt, evidence: r.evidence });
  return tags;
}
