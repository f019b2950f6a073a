import type { App } from '../http/context.ts';
import { RULE_IDS, type RuleId } from '../domain/fraud/config.ts';
import type { Op, Population } from './fraud-population.ts';

/** The simulated clock the engine reads while the driver replays a population. */
export class SimulatedClock {
  private t: number;
  constructor(start: number) {
    this.t = start;
  }
  set(t: number): void {
    this.t = t;
  }
  now = (): Date => new Date(this.t);
}

export interface DriveResult {
  ops: number;
  failed: number;
  waves: number;
  ms: number;
  ids: Map<string, string>;
  /** Refusals by problem code. */
  refusals: Record<string, number>;
}

type Post = (path: string, body: unknown) => Promise<{ status: number; json: { id?: string; code?: string } }>;

/**
 * Sends a population through the HTTP API in time order. Operations planned for the same instant
 * go together (one group commit), at most one per account so their order is kept; the clock is set
 * to that instant first, so every event carries its planned timestamp.
 */
export async function drivePopulation(app: App, token: string, clock: SimulatedClock, pop: Population, onProgress?: (done: number, total: number) => void): Promise<DriveResult> {
  const started = Date.now();
  const result: DriveResult = { ops: pop.ops.length, failed: 0, waves: 0, ms: 0, ids: new Map(), refusals: {} };
  const post: Post = async (path, body) => {
    const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { id?: string; code?: string } };
  };
  const send = async (op: Op): Promise<void> => {
    const r = await sendOp(post, op, result.ids);
    if (r.status === 201) return;
    result.failed++;
    const code = `${op.kind}:${r.json.code ?? r.status}`;
    result.refusals[code] = (result.refusals[code] ?? 0) + 1;
  };
  let i = 0;
  while (i < pop.ops.length) {
    const at = pop.ops[i]!.at;
    let j = i;
    while (j < pop.ops.length && pop.ops[j]!.at === at) j++;
    for (const wave of wavesOf(pop.ops.slice(i, j))) {
      clock.set(at);
      await Promise.all(wave.map(send));
      result.waves++;
    }
    i = j;
    onProgress?.(i, pop.ops.length);
  }
  return { ...result, ms: Date.now() - started };
}

/** One operation through the API; an account opened is remembered under its logical key in `ids`. */
async function sendOp(post: Post, op: Op, ids: Map<string, string>): ReturnType<Post> {
  const id = ids.get(op.account);
  switch (op.kind) {
    case 'open': {
      const r = await post('/v1/accounts', { currency: 'USD', ownerId: op.ownerId });
      if (r.status === 201 && r.json.id) ids.set(op.account, r.json.id);
      return r;
    }
    case 'deposit':
      return post(`/v1/accounts/${id}/deposits`, { amount: op.amount, channel: op.channel });
    case 'withdraw':
      return post(`/v1/accounts/${id}/withdrawals`, { amount: op.amount, channel: op.channel });
    case 'transfer':
      return post('/v1/transfers', { fromAccountId: id, toAccountId: ids.get(op.to), amount: op.amount });
    default: {
      const never: never = op;
      throw new Error(`unknown op ${(never as { kind: string }).kind}`);
    }
  }
}

/**
 * Operations of one instant in waves where each account appears once, keeping each account's
 * order: an operation waits for a later wave when an account it touches is busy in this one (or
 * was skipped in it already).
 */
function wavesOf(ops: readonly Op[]): Op[][] {
  const waves: Op[][] = [];
  let pending = ops;
  while (pending.length) {
    const busy = new Set<string>();
    const wave: Op[] = [];
    const rest: Op[] = [];
    for (const op of pending) {
      const touches = op.kind === 'transfer' ? [op.account, op.to] : [op.account];
      (touches.some((a) => busy.has(a)) ? rest : wave).push(op);
      touches.forEach((a) => busy.add(a));
    }
    waves.push(wave);
    pending = rest;
  }
  return waves;
}

export interface AlertLite {
  id: string;
  rule: string;
  accountIds: string[];
}

/** Every alert, through the paginated API. */
export async function fetchAllAlerts(app: App, token: string): Promise<AlertLite[]> {
  const out: AlertLite[] = [];
  let cursor: string | null = null;
  do {
    const res = await app.request(`/v1/fraud/alerts?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    const page = (await res.json()) as { items: AlertLite[]; nextCursor: string | null };
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export interface RuleQuality {
  rule: RuleId;
  planted: number;
  detected: number;
  alerts: number;
  truePositives: number;
  precision: number;
  recall: number;
}

/**
 * Precision: alerts of a rule that touch an account of a pattern planted for that rule, over all
 * alerts of the rule. Recall: planted patterns with at least one alert of their rule on one of
 * their accounts, over all planted patterns of the rule.
 */
export function measureQuality(pop: Population, ids: Map<string, string>, alerts: AlertLite[]): RuleQuality[] {
  return RULE_IDS.map((rule) => {
    const patterns = pop.planted.filter((p) => p.rule === rule).map((p) => new Set(p.accounts.map((a) => ids.get(a)).filter((x): x is string => x !== undefined)));
    const plantedAccounts = new Set(patterns.flatMap((p) => [...p]));
    const mine = alerts.filter((a) => a.rule === rule);
    const tp = mine.filter((a) => a.accountIds.some((id) => plantedAccounts.has(id))).length;
    const detected = patterns.filter((p) => mine.some((a) => a.accountIds.some((id) => p.has(id)))).length;
    return {
      rule,
      planted: patterns.length,
      detected,
      alerts: mine.length,
      truePositives: tp,
      precision: mine.length ? tp / mine.length : 1,
      recall: patterns.length ? detected / patterns.length : 1,
    };
  });
}

export function qualityTable(rows: RuleQuality[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    '| rule | planted | detected | alerts | true positives | precision | recall |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.rule} | ${r.planted} | ${r.detected} | ${r.alerts} | ${r.truePositives} | ${pct(r.precision)} | ${pct(r.recall)} |`),
  ].join('\n');
}
