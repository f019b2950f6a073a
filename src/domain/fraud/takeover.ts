import { Dec as D, type Dec, formatAmount } from '../money.ts';
import type { Activity, Detection, Evidence, RuleInput } from './activity.ts';
import { evidenceOf } from './activity.ts';
import { usuallyDrains } from './baseline.ts';
import { type RuleParams, days, hours, param } from './config.ts';
import { indexOf } from './window.ts';

/**
 * Account-takeover and mule patterns: a balance drained by any means, money received and cashed
 * out within minutes, many senders into one new account. Pure, like every rule.
 */

const ms = (iso: string): number => Date.parse(iso);
const isOut = (a: Activity): boolean => a.kind === 'withdrawal' || a.kind === 'transfer_out';
const sum = (xs: readonly Activity[]): Dec => xs.reduce((acc, a) => acc.plus(a.amount), new D(0));
const evidence = (xs: readonly Activity[]): Evidence[] => xs.map((a) => evidenceOf(a, (d) => formatAmount(d, a.currency)));
const others = (m: Activity, xs: readonly Activity[]): string[] => [...new Set(xs.map((a) => a.counterpartyId).filter((x): x is string => x !== null && x !== m.accountId))];

/** 50 at the threshold, towards 100 as the ratio grows (log scale). */
function scoreOfRatio(ratio: number): number {
  return Math.max(50, Math.min(100, Math.round(50 + 25 * Math.log2(Math.max(1, ratio)))));
}

/** The outflows ending with `m` within the window with no money coming in between: one drain in steps. */
export function outflowRun(input: Pick<RuleInput, 'movement' | 'recent'>, windowMinutes: number): Activity[] {
  const m = input.movement;
  const from = ms(m.occurredAt) - windowMinutes * 60_000;
  const run = [m];
  for (let i = input.recent.length - 1; i >= 0; i--) {
    const a = input.recent[i]!;
    if (ms(a.occurredAt) <= from || !isOut(a)) break;
    run.unshift(a);
  }
  return run;
}

/** How much of the balance a run of outflows took: its sum over the balance before its first one. */
export function drainedShare(run: readonly Activity[]): { before: Dec; taken: Dec; share: Dec } {
  const first = run[0]!;
  const before = first.balanceAfter.plus(first.amount);
  const taken = sum(run);
  return { before, taken, share: before.gt(0) ? taken.div(before) : new D(0) };
}

/** outflowRun and drainedShare of a movement without walking the run (the window's index; a scan when it is out of order). */
export interface Run {
  first: Activity;
  before: Dec;
  taken: Dec;
  share: Dec;
  /** The run itself (walked only when asked: evidence). */
  items(): Activity[];
  /** Whether a transfer to this account is in the run before the movement. */
  paysEarlier(counterpartyId: string): boolean;
}

/** The run of outflows ending with `movement` appended to the first `end` movements of `recent`. */
export function runOf(movement: Activity, recent: readonly Activity[], windowMinutes: number, end = recent.length): Run {
  const ix = indexOf(recent);
  if (!ix.ordered) {
    const run = outflowRun({ movement, recent: recent.slice(0, end) }, windowMinutes);
    return { first: run[0]!, ...drainedShare(run), items: () => run, paysEarlier: (id) => run.slice(0, -1).some((a) => a.counterpartyId === id) };
  }
  const start = ix.outflowRunStart(end, ms(movement.occurredAt) - windowMinutes * 60_000);
  const first = start < end ? ix.at(start) : movement;
  const before = first.balanceAfter.plus(first.amount);
  const taken = ix.outTotal(start, end).plus(movement.amount);
  return {
    first,
    before,
    taken,
    share: before.gt(0) ? taken.div(before) : new D(0),
    items: () => [...ix.slice(start, end), movement],
    paysEarlier: (id) => ix.paidBetween(id, start, end),
  };
}

/**
 * Warm-up: an account opened less than warmUpHours ago spending what it was funded with (its opening
 * deposit, its only inflow so far) uses its own money as it means to; a one-shot account that spends it
 * all is not drained. A takeover of such an account is account_takeover's, which holds the victim's
 * drain as evidence when the receiver passes the money on: one alert, not one more per victim.
 */
export function spendingItsFunding(input: Pick<RuleInput, 'movement' | 'profile' | 'recent'>, warmUpHours: number): boolean {
  const { baseline: b, openedAt } = input.profile;
  if (b.firstAt === null || openedAt === null || b.movements - b.outs !== 1 || ms(input.movement.occurredAt) - ms(openedAt) > hours(warmUpHours)) return false;
  return input.recent.some((a) => a.kind === 'deposit' && a.occurredAt === b.firstAt);
}

export function balanceDrain(input: RuleInput, p: RuleParams['balance_drain']): Detection | null {
  const m = input.movement;
  if (!isOut(m) || spendingItsFunding(input, p.warmUpHours)) return null;
  // Paying an account paid before (before this run) is a usual counterparty; an account that sweeps as a habit is not drained.
  if (m.kind === 'withdrawal' && usuallyDrains(input.profile.baseline)) return null;
  const drained = runOf(m, input.recent, p.windowMinutes);
  if (m.kind === 'transfer_out' && input.paidBefore && !drained.paysEarlier(m.counterpartyId!)) return null;
  const { before, taken } = drained;
  if (before.lt(param(p.minBalanceBefore)) || m.balanceAfter.gt(before.times(param(p.maxRemainingRatio)))) return null;
  const run = drained.items();
  const how = m.kind === 'withdrawal' ? 'withdrawn' : m.counterpartyId ? `sent to ${m.counterpartyId}, never paid before,` : 'sent';
  return {
    rule: 'balance_drain',
    severity: p.severity,
    score: scoreOfRatio(before.div(param(p.minBalanceBefore)).toNumber() ** 0.25),
    accountIds: [m.accountId, ...others(m, run)],
    amount: taken,
    evidence: evidence(run),
    summary: `${formatAmount(taken, m.currency)} of ${formatAmount(before, m.currency)} ${m.currency} ${how} in ${run.length} step(s), leaving ${formatAmount(m.balanceAfter, m.currency)}`,
  };
}

export function muleCashOut(input: RuleInput, p: RuleParams['mule_cash_out']): Detection | null {
  const m = input.movement;
  if (!isOut(m) || (m.kind === 'transfer_out' && input.paidBefore) || (m.kind === 'withdrawal' && usuallyDrains(input.profile.baseline))) return null;
  const from = ms(m.occurredAt) - p.windowMinutes * 60_000;
  const ix = indexOf(input.recent);
  const start = ix.ordered ? ix.since(from) : 0;
  const recent = ix.ordered ? null : input.recent.filter((a) => ms(a.occurredAt) >= from);
  const firstIn = recent ? recent.findIndex((a) => a.kind === 'transfer_in') : ix.firstTransferIn(start);
  if (firstIn < 0) return null;
  const received = recent ? sum(recent.filter((a) => a.kind === 'transfer_in')) : ix.transferInTotal(start);
  if (received.lt(param(p.minIncoming))) return null;
  const outsOf = (): Activity[] => [...(recent ? recent.slice(firstIn) : ix.slice(firstIn)).filter(isOut), m];
  const sent = recent ? sum(outsOf()) : ix.outTotal(firstIn).plus(m.amount);
  const first = recent ? recent[firstIn]! : ix.at(firstIn);
  const before = first.balanceAfter.minus(first.amount).plus(received);
  // What left had mostly just arrived, and the account is left nearly empty: a till that sweeps a day's takings is not.
  if (sent.lt(received.times(param(p.outRatio))) || received.lt(before.times('0.5')) || m.balanceAfter.gt(before.times(param(p.maxRemainingRatio)))) return null;
  const outs = outsOf();
  const ins = (recent ?? ix.slice(start)).filter((a) => a.kind === 'transfer_in');
  return {
    rule: 'mule_cash_out',
    severity: p.severity,
    score: scoreOfRatio(sent.div(received.times(param(p.outRatio))).toNumber() * Math.max(1, ins.length)),
    accountIds: [m.accountId, ...others(m, [...ins, ...outs])],
    amount: sent,
    evidence: evidence([...ins, ...outs]),
    summary: `${formatAmount(received, m.currency)} ${m.currency} received from ${others(m, ins).length} account(s) and ${formatAmount(sent, m.currency)} ${m.kind === 'withdrawal' ? 'cashed out' : 'sent on'} within ${p.windowMinutes} min`,
  };
}

export function fanIn(input: RuleInput, p: RuleParams['fan_in']): Detection | null {
  const m = input.movement;
  const opened = input.profile.openedAt;
  if (m.kind !== 'transfer_in' || opened === null || ms(m.occurredAt) - ms(opened) > days(p.maxAgeDays)) return null;
  const from = ms(m.occurredAt) - hours(p.windowHours);
  // A new shop gets many small payments; a collecting mule gets whole balances: only transfers above the
  // population's upper quartile (and a share of minAmount) count.
  const min = D.max(param(p.minAmount).div(p.minSenders), input.population.quantile('transfer_in', 0.75) ?? 0);
  if (m.amount.lt(min)) return null;
  // Fewer senders in the window than it takes, whatever their amounts: no need to look at them.
  const ix = indexOf(input.recent);
  if (ix.ordered && ix.sendersSince(ix.since(from), m.counterpartyId) < p.minSenders) return null;
  const ins = [...input.recent.filter((a) => a.kind === 'transfer_in' && ms(a.occurredAt) >= from && a.amount.gte(min)), m];
  const senders = others(m, ins);
  const total = sum(ins);
  if (senders.length < p.minSenders || total.lt(param(p.minAmount))) return null;
  return {
    rule: 'fan_in',
    severity: p.severity,
    score: scoreOfRatio(senders.length / p.minSenders),
    accountIds: [m.accountId, ...senders],
    amount: total,
    evidence: evidence(ins),
    summary: `${senders.length} different senders paid ${formatAmount(total, m.currency)} ${m.currency} into an account ${Math.floor((ms(m.occurredAt) - ms(opened)) / days(1))} day(s) old within ${p.windowHours} h`,
  };
}

/**
 * The payer's drain behind a transfer `credit` received: the run of the payer's outflows ending with
 * the debit of that transfer, when it left the payer at most maxRemainingRatio of its balance and the
 * receiver was new to the payer (their first exchange of money is within the run). Null otherwise.
 */
export function drainBehind(credit: Activity, input: RuleInput, p: RuleParams['account_takeover']): Activity[] | null {
  const payer = credit.counterpartyId;
  if (payer === null) return null;
  const acts = input.payers.get(payer) ?? [];
  const ix = indexOf(acts);
  const i = ix.ordered ? ix.debitIndex(credit.transactionId) : acts.findIndex((a) => a.kind === 'transfer_out' && a.transactionId === credit.transactionId);
  if (i < 0) return null;
  const debit = acts[i]!;
  const run = runOf(debit, acts, p.drainWindowMinutes, i);
  if (run.before.lt(param(p.minBalanceBefore)) || debit.balanceAfter.gt(run.before.times(param(p.maxRemainingRatio)))) return null;
  const first = input.firstContact.get(payer);
  return first !== undefined && first >= run.first.occurredAt ? run.items() : null;
}

/**
 * Account takeover: an account that received (nearly) the whole balance of one or more payers that
 * had never paid it before, and passes it on or cashes it out within windowMinutes. Fires on the
 * receiver's outflow, so one alert (about the receiver, the mule) holds both sides: the victims'
 * drains and the mule's cash-outs; later cash-outs join it.
 */
export function accountTakeover(input: RuleInput, p: RuleParams['account_takeover']): Detection | null {
  const m = input.movement;
  if (!isOut(m)) return null;
  const from = ms(m.occurredAt) - p.windowMinutes * 60_000;
  const ix = indexOf(input.recent);
  const recent = ix.ordered ? null : input.recent.filter((a) => ms(a.occurredAt) >= from);
  const start = ix.ordered ? ix.since(from) : 0;
  // The drains behind the transfers in of the window, in order. The drain behind a transfer in is
  // settled once its payer's debit is known: in an ordered window each is looked for once.
  let drained: Array<{ credit: Activity; run: Activity[] }>;
  if (recent) {
    drained = recent.flatMap((a) => {
      const run = a.kind === 'transfer_in' ? drainBehind(a, input, p) : null;
      return run ? [{ credit: a, run }] : [];
    });
  } else {
    const seen = ix.memo(p, () => ({ upTo: 0, drains: [] as Array<{ at: number; credit: Activity; run: Activity[] }> }));
    for (const i of ix.transferInsFrom(Math.max(seen.upTo, start))) {
      const run = drainBehind(ix.at(i), input, p);
      if (run) seen.drains.push({ at: i, credit: ix.at(i), run });
    }
    seen.upTo = ix.length;
    drained = seen.drains.filter((d) => d.at >= start);
  }
  // Per drained payer, its latest drain (a drain in steps is one run: every step's credit is part of it).
  const runs = new Map<string, Activity[]>();
  for (const { credit, run } of drained) runs.set(credit.counterpartyId!, run);
  if (!runs.size) return null;
  const debits = new Set([...runs.values()].flat().map((d) => d.transactionId));
  const creditsAt = recent ? [] : [...debits].flatMap((tx) => ix.creditIndices(tx).filter((i) => i >= start)).sort((x, y) => x - y);
  const credits = recent ? recent.filter((a) => a.kind === 'transfer_in' && debits.has(a.transactionId)) : creditsAt.map((i) => ix.at(i));
  const first = credits[0]!;
  const stolen = sum(credits);
  const held = first.balanceAfter.minus(first.amount);
  // What left since the first drained transfer in: in an ordered window summed from its index, listed only for the alert.
  const outsOf = (): Activity[] => [...(recent ? recent.slice(recent.indexOf(first)) : ix.slice(creditsAt[0]!)).filter(isOut), m];
  const sent = recent ? sum(outsOf()) : ix.outTotal(creditsAt[0]!).plus(m.amount);
  // Most of what the drained payers sent left again, and it was a large part of what the account then held.
  if (sent.lt(stolen.times(param(p.outRatio))) || stolen.times(2).lt(held)) return null;
  const outs = outsOf();
  const victims = [...runs.keys()];
  const how = m.kind === 'withdrawal' ? 'cashed out' : 'sent on';
  return {
    rule: 'account_takeover',
    severity: p.severity,
    score: scoreOfRatio(2 * victims.length),
    accountIds: [m.accountId, ...victims, ...others(m, outs).filter((id) => !victims.includes(id))],
    amount: stolen,
    evidence: evidence([...[...runs.values()].flat(), ...credits, ...outs]),
    summary: `${formatAmount(stolen, m.currency)} ${m.currency}, the whole balance of ${victims.length} account(s) that never paid it before, received and ${formatAmount(sent, m.currency)} ${how} within ${p.windowMinutes} min`,
  };
}
