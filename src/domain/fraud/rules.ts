import { type Dec, Dec as D, formatAmount } from '../money.ts';
import { type Activity, type Detection, type Evidence, type FlowTag, type RuleInput, evidenceOf } from './activity.ts';
import { outflowPercentile } from './baseline.ts';
import { type RuleId, type RuleParams, days, hours, param } from './config.ts';
import { accountTakeover, balanceDrain, fanIn, muleCashOut } from './takeover.ts';
import { indexOf } from './window.ts';

/**
 * The anomaly rules: pure functions of one movement and the account's recent activity.
 * No I/O, no clock: "now" is the movement's occurredAt.
 */

const ms = (iso: string): number => Date.parse(iso);
const sum = (xs: readonly Activity[]): Dec => xs.reduce((acc, a) => acc.plus(a.amount), new D(0));
const isOut = (a: Activity): boolean => a.kind === 'withdrawal' || a.kind === 'transfer_out';
const isIn = (a: Activity): boolean => a.kind === 'deposit' || a.kind === 'transfer_in';
const fmtOf = (currency: string) => (d: Dec) => formatAmount(d, currency);
const evidence = (xs: readonly Activity[]): Evidence[] => xs.map((a) => evidenceOf(a, fmtOf(a.currency)));

const ONE = new D(1);
const FIFTY = new D(50);

/** 50 at the threshold, growing with how far past it, capped at 100. */
export function scoreOf(ratio: Dec): number {
  return Math.min(100, Math.round(FIFTY.times(D.max(ratio, ONE)).toNumber()));
}

const within = (xs: readonly Activity[], fromMs: number): Activity[] => xs.filter((a) => ms(a.occurredAt) >= fromMs);
/** The account's movements since `fromMs` (found in its window's index, not by scanning it). */
const recentSince = (input: RuleInput, fromMs: number): Activity[] => {
  const ix = indexOf(input.recent);
  return ix.ordered ? ix.slice(ix.since(fromMs)) : within(input.recent, fromMs);
};

/** The larger of a floor and what the population (and the account, past its warm-up) make of "large". */
function adaptive(floor: string, ...others: Array<Dec | null>): Dec {
  return others.reduce<Dec>((max, x) => (x !== null && x.gt(max) ? x : max), param(floor));
}

export function largeTransaction(input: RuleInput, p: RuleParams['large_transaction']): Detection | null {
  const m = input.movement;
  // A transfer is one transaction: judged on its debit side only.
  if (m.kind === 'transfer_in') return null;
  const own = m.kind === 'deposit' ? null : outflowPercentile(input.profile.baseline, p.baselineSigmas);
  const threshold = adaptive(p.threshold, input.population.quantile(m.kind, p.populationQuantile), own);
  if (m.amount.lt(threshold)) return null;
  const ratio = m.amount.div(threshold);
  return {
    rule: 'large_transaction',
    severity: ratio.gte(5) ? 'high' : p.severity,
    score: scoreOf(ratio),
    accountIds: m.counterpartyId ? [m.accountId, m.counterpartyId] : [m.accountId],
    amount: m.amount,
    evidence: evidence([m]),
    summary: `${m.kind} of ${formatAmount(m.amount, m.currency)} ${m.currency} at or above ${formatAmount(threshold, m.currency)} (floor ${p.threshold}, population and account percentiles above it)`,
  };
}

export function structuring(input: RuleInput, p: RuleParams['structuring']): Detection | null {
  const m = input.movement;
  if ((m.kind !== 'deposit' && m.kind !== 'withdrawal') || m.channel === null || !p.channels.includes(m.channel)) return null;
  const threshold = param(p.reportingThreshold);
  const floor = threshold.times(new D(100).minus(param(p.marginPercent))).div(100);
  const inBand = (a: Activity) => a.kind === m.kind && a.channel !== null && p.channels.includes(a.channel) && a.amount.gte(floor) && a.amount.lt(threshold);
  if (!inBand(m)) return null;
  const from = ms(m.occurredAt) - hours(p.windowHours);
  const fire = (xs: Activity[], scope: string): Detection | null => {
    const total = sum(xs);
    if (xs.length < p.minCount || total.lte(threshold)) return null;
    const accounts = [m.accountId, ...new Set(xs.map((a) => a.accountId).filter((id) => id !== m.accountId))];
    return {
      rule: 'structuring',
      severity: p.severity,
      score: scoreOf(total.div(threshold)),
      accountIds: accounts,
      amount: total,
      evidence: evidence(xs),
      summary: `${xs.length} cash ${m.kind}s just under ${p.reportingThreshold} ${m.currency} within ${p.windowHours} h on one ${scope}, ${formatAmount(total, m.currency)} in all`,
    };
  };
  const own = [...recentSince(input, from).filter(inBand), m];
  const onAccount = fire(own, 'account');
  if (onAccount || m.ownerId === null) return onAccount;
  const owners = [...within(input.ownerRecent, from).filter((a) => a.ownerId === m.ownerId && inBand(a)), ...own].sort(byTime);
  return fire(owners, 'owner');
}

export function velocity(input: RuleInput, p: RuleParams['velocity']): Detection | null {
  const m = input.movement;
  if (!isOut(m)) return null;
  const outs = [...recentSince(input, ms(m.occurredAt) - p.windowMinutes * 60_000).filter(isOut), m];
  const total = sum(outs);
  const max = param(p.maxOutAmount);
  const byCount = outs.length > p.maxCount;
  const byAmount = outs.length >= 2 && total.gt(max);
  if (!byCount && !byAmount) return null;
  const ratio = D.max(new D(outs.length).div(p.maxCount), total.div(max));
  return {
    rule: 'velocity',
    severity: p.severity,
    score: scoreOf(ratio),
    accountIds: [m.accountId],
    amount: total,
    evidence: evidence(outs),
    summary: `${outs.length} outgoing movements, ${formatAmount(total, m.currency)} ${m.currency}, within ${p.windowMinutes} min`,
  };
}

export function rapidPassThrough(input: RuleInput, p: RuleParams['rapid_pass_through']): Detection | null {
  const m = input.movement;
  if (!isOut(m)) return null;
  const t = ms(m.occurredAt);
  const window = hours(p.windowHours);
  const min = param(p.minIncoming);
  // Warm-up: the deposit that funds a new account, spent, is not money passing through.
  const funding = input.profile.baseline.firstAt;
  const qualifies = (a: Activity) => isIn(a) && a.amount.gte(min) && !(a.kind === 'deposit' && a.occurredAt === funding);
  const ix = indexOf(input.recent);
  if (!ix.ordered) {
    for (const inc of within(input.recent, t - window).filter(qualifies)) {
      const outs = [...input.recent.filter((a) => isOut(a) && a.position > inc.position), m];
      const total = sum(outs);
      if (total.gte(inc.amount.times(param(p.outRatio)))) return passedThrough(m, inc, outs, total, p);
    }
    return null;
  }
  // What left after an inflow is a difference of prefix sums: the outflows are listed only for the alert.
  for (const i of ix.inflowsFrom(ix.since(t - window), p.minIncoming)) {
    const inc = ix.at(i);
    if (!qualifies(inc)) continue;
    const total = ix.outTotal(i + 1).plus(m.amount);
    if (total.gte(inc.amount.times(param(p.outRatio)))) return passedThrough(m, inc, [...ix.slice(i + 1).filter(isOut), m], total, p);
  }
  return null;
}

function passedThrough(m: Activity, inc: Activity, outs: Activity[], total: Dec, p: RuleParams['rapid_pass_through']): Detection {
  return {
    rule: 'rapid_pass_through',
    severity: p.severity,
    score: scoreOf(total.div(inc.amount.times(param(p.outRatio)))),
    accountIds: [m.accountId, ...new Set([inc.counterpartyId, ...outs.map((o) => o.counterpartyId)].filter((x): x is string => x !== null && x !== m.accountId))],
    amount: total,
    evidence: evidence([inc, ...outs]),
    summary: `${formatAmount(total, m.currency)} of ${formatAmount(inc.amount, m.currency)} ${m.currency} received left again within ${p.windowHours} h`,
  };
}

export interface FlowResult {
  detection: Detection | null;
  /** Tags the counterparty receives with this transfer (the funds keep travelling). */
  forward: FlowTag[];
}

/**
 * Round-tripping follows funds: a transfer of at least minAmount tags the receiver with its origin;
 * a later transfer onwards carrying most of it (minCarriedRatio) passes the tag on, up to maxHops;
 * a transfer that lands back at the origin within the window closes the loop.
 */
/** At most this many tags travel on with one transfer (the most recent paths): the work per movement stays bounded. */
const MAX_TAGS_FORWARDED = 64;

export function followFlow(input: RuleInput, p: RuleParams['round_trip']): FlowResult {
  const m = input.movement;
  if (m.kind !== 'transfer_out' || m.counterpartyId === null) return { detection: null, forward: [] };
  const to = m.counterpartyId;
  const t = ms(m.occurredAt);
  const from = t - hours(p.windowHours);
  const onward = new Map<string, FlowTag>();
  let detection: Detection | null = null;
  const live = input.tags.filter((tag) => ms(tag.startedAt) >= from).sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : a.tagId < b.tagId ? -1 : 1));
  const mine = evidence([m])[0]!;
  for (const tag of live) {
    if (m.amount.lt(tag.amount.times(param(p.minCarriedRatio)))) continue;
    if (tag.originId === to) {
      if (detection === null) {
        const path = [...tag.path, to];
        detection = {
          rule: 'round_trip',
          severity: p.severity,
          score: scoreOf(new D(1).plus(new D(p.maxHops + 1 - tag.path.length).div(p.maxHops))),
          accountIds: [to, ...new Set(tag.path.filter((a) => a !== to))],
          amount: m.amount,
          evidence: [...tag.evidence, mine],
          summary: `${formatAmount(tag.amount, m.currency)} ${m.currency} went ${path.join(' → ')} within ${p.windowHours} h`,
        };
      }
      continue;
    }
    if (tag.path.length >= p.maxHops || tag.path.includes(to)) continue;
    // One tag per origin and path, the latest (live is in time order): money going round the same
    // ring again must not multiply the tags it carries.
    const path = [...tag.path, to];
    onward.set(path.join('>'), {
      tagId: `${m.eventId}/${tag.tagId}`,
      originId: tag.originId,
      path,
      amount: D.min(tag.amount, m.amount),
      startedAt: tag.startedAt,
      evidence: [...tag.evidence, mine],
    });
  }
  const forward = [...onward.values()].slice(-MAX_TAGS_FORWARDED);
  if (m.amount.gte(param(p.minAmount))) {
    forward.push({ tagId: m.eventId, originId: m.accountId, path: [m.accountId, to], amount: m.amount, startedAt: m.occurredAt, evidence: [mine] });
  }
  return { detection, forward };
}

export function dormantReactivation(input: RuleInput, p: RuleParams['dormant_reactivation']): Detection | null {
  const m = input.movement;
  const last = input.profile.lastActivityAt ?? input.profile.openedAt;
  if (last === null || m.amount.lt(param(p.minAmount))) return null;
  const quiet = ms(m.occurredAt) - ms(last);
  if (quiet < days(p.dormantDays)) return null;
  const quietDays = Math.floor(quiet / days(1));
  return {
    rule: 'dormant_reactivation',
    severity: p.severity,
    score: scoreOf(new D(quietDays).div(p.dormantDays).times(m.amount.div(param(p.minAmount))).sqrt()),
    accountIds: m.counterpartyId ? [m.accountId, m.counterpartyId] : [m.accountId],
    amount: m.amount,
    evidence: evidence([m]),
    summary: `${formatAmount(m.amount, m.currency)} ${m.currency} moved after ${quietDays} days without activity`,
  };
}

export function newAccountHighValue(input: RuleInput, p: RuleParams['new_account_high_value']): Detection | null {
  const m = input.movement;
  const opened = input.profile.openedAt;
  if (opened === null || m.kind === 'transfer_in' || m.amount.lt(adaptive(p.minAmount, input.population.quantile(m.kind, p.populationQuantile)))) return null;
  const age = ms(m.occurredAt) - ms(opened);
  if (age > days(p.maxAgeDays)) return null;
  return {
    rule: 'new_account_high_value',
    severity: p.severity,
    score: scoreOf(m.amount.div(param(p.minAmount))),
    accountIds: m.counterpartyId ? [m.accountId, m.counterpartyId] : [m.accountId],
    amount: m.amount,
    evidence: evidence([m]),
    summary: `${m.kind} of ${formatAmount(m.amount, m.currency)} ${m.currency} on an account ${Math.floor(age / hours(1))} h old`,
  };
}

export interface Evaluation {
  detections: Detection[];
  forward: FlowTag[];
}

/** Runs every enabled rule on one movement; a rule on cool-down for the account stays quiet. */
export function evaluate(input: RuleInput, params: RuleParams): Evaluation {
  const t = ms(input.movement.occurredAt);
  const cooling = (rule: RuleId): boolean => {
    const last = input.profile.lastAlertAt[rule];
    return last !== undefined && t - ms(last) < hours(params[rule].cooldownHours);
  };
  const detections: Detection[] = [];
  const run = (rule: RuleId, f: () => Detection | null) => {
    if (!params[rule].enabled || cooling(rule)) return;
    const d = f();
    if (d) detections.push(d);
  };
  run('large_transaction', () => largeTransaction(input, params.large_transaction));
  run('structuring', () => structuring(input, params.structuring));
  run('velocity', () => velocity(input, params.velocity));
  run('rapid_pass_through', () => rapidPassThrough(input, params.rapid_pass_through));
  let forward: FlowTag[] = [];
  if (params.round_trip.enabled) {
    const flow = followFlow(input, params.round_trip);
    forward = flow.forward;
    if (flow.detection && !cooling('round_trip')) detections.push(flow.detection);
  }
  run('dormant_reactivation', () => dormantReactivation(input, params.dormant_reactivation));
  run('new_account_high_value', () => newAccountHighValue(input, params.new_account_high_value));
  run('balance_drain', () => balanceDrain(input, params.balance_drain));
  run('mule_cash_out', () => muleCashOut(input, params.mule_cash_out));
  run('fan_in', () => fanIn(input, params.fan_in));
  run('account_takeover', () => accountTakeover(input, params.account_takeover));
  return { detections: withoutSubsumed(detections), forward };
}

/**
 * Rules that say less about a movement than a takeover pattern does, and stay quiet when one fires on it.
 * Not large_transaction: a large amount is reported as such (the suspicious-activity report lists them).
 * A takeover (the victims' drains and the mule's cash-out in one alert) also says more than a drain or
 * a cash-out of the mule alone.
 */
const SUBSUMED: ReadonlySet<RuleId> = new Set(['new_account_high_value', 'rapid_pass_through', 'velocity']);
const SUBSUMED_BY_TAKEOVER: ReadonlySet<RuleId> = new Set([...SUBSUMED, 'balance_drain', 'mule_cash_out']);

function withoutSubsumed(detections: Detection[]): Detection[] {
  const rules = new Set(detections.map((d) => d.rule));
  const subsumed = rules.has('account_takeover') ? SUBSUMED_BY_TAKEOVER : rules.has('balance_drain') || rules.has('mule_cash_out') ? SUBSUMED : null;
  return subsumed ? detections.filter((d) => !subsumed.has(d.rule)) : detections;
}

export function byTime(a: Activity, b: Activity): number {
  return a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.position - b.position;
}
