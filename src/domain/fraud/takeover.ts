import { Dec as D, type Dec, formatAmount } from '../money.ts';
import type { Activity, Detection, Evidence, RuleInput } from './activity.ts';
import { evidenceOf } from './activity.ts';
import { usuallyDrains } from './baseline.ts';
import { type RuleParams, days, hours } from './config.ts';

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
  const run = outflowRun(input, p.windowMinutes);
  if (m.kind === 'transfer_out' && input.paidBefore && !run.slice(0, -1).some((a) => a.counterpartyId === m.counterpartyId)) return null;
  const { before, taken } = drainedShare(run);
  if (before.lt(p.minBalanceBefore) || m.balanceAfter.gt(before.times(p.maxRemainingRatio))) return null;
  const how = m.kind === 'withdrawal' ? 'withdrawn' : m.counterpartyId ? `sent to ${m.counterpartyId}, never paid before,` : 'sent';
  return {
    rule: 'balance_drain',
    severity: p.severity,
    score: scoreOfRatio(before.div(p.minBalanceBefore).toNumber() ** 0.25),
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
  const recent = input.recent.filter((a) => ms(a.occurredAt) >= from);
  const firstIn = recent.findIndex((a) => a.kind === 'transfer_in');
  if (firstIn < 0) return null;
  const received = sum(recent.filter((a) => a.kind === 'transfer_in'));
  if (received.lt(p.minIncoming)) return null;
  const outs = [...recent.slice(firstIn).filter(isOut), m];
  const sent = sum(outs);
  const first = recent[firstIn]!;
  const before = first.balanceAfter.minus(first.amount).plus(received);
  // What left had mostly just arrived, and the account is left nearly empty: a till that sweeps a day's takings is not.
  if (sent.lt(received.times(p.outRatio)) || received.lt(before.times('0.5')) || m.balanceAfter.gt(before.times(p.maxRemainingRatio))) return null;
  const ins = recent.filter((a) => a.kind === 'transfer_in');
  return {
    rule: 'mule_cash_out',
    severity: p.severity,
    score: scoreOfRatio(sent.div(received.times(p.outRatio)).toNumber() * Math.max(1, ins.length)),
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
  const min = D.max(new D(p.minAmount).div(p.minSenders), input.population.quantile('transfer_in', 0.75) ?? 0);
  if (m.amount.lt(min)) return null;
  const ins = [...input.recent.filter((a) => a.kind === 'transfer_in' && ms(a.occurredAt) >= from && a.amount.gte(min)), m];
  const senders = others(m, ins);
  const total = sum(ins);
  if (senders.length < p.minSenders || total.lt(p.minAmount)) return null;
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
  const i = acts.findIndex((a) => a.kind === 'transfer_out' && a.transactionId === credit.transactionId);
  if (i < 0) return null;
  const debit = acts[i]!;
  const run = outflowRun({ movement: debit, recent: acts.slice(0, i) }, p.drainWindowMinutes);
  const { before } = drainedShare(run);
  if (before.lt(p.minBalanceBefore) || debit.balanceAfter.gt(before.times(p.maxRemainingRatio))) return null;
  const first = input.firstContact.get(payer);
  return first !== undefined && first >= run[0]!.occurredAt ? run : null;
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
  const recent = input.recent.filter((a) => ms(a.occurredAt) >= from);
  // Per drained payer, its latest drain (a drain in steps is one run: every step's credit is part of it).
  const runs = new Map<string, Activity[]>();
  for (const a of recent) {
    const run = a.kind === 'transfer_in' ? drainBehind(a, input, p) : null;
    if (run) runs.set(a.counterpartyId!, run);
  }
  if (!runs.size) return null;
  const debits = new Set([...runs.values()].flat().map((d) => d.transactionId));
  const credits = recent.filter((a) => a.kind === 'transfer_in' && debits.has(a.transactionId));
  const first = credits[0]!;
  const stolen = sum(credits);
  const held = first.balanceAfter.minus(first.amount);
  const outs = [...recent.slice(recent.indexOf(first)).filter(isOut), m];
  const sent = sum(outs);
  // Most of what the drained payers sent left again, and it was a large part of what the account then held.
  if (sent.lt(stolen.times(p.outRatio)) || stolen.times(2).lt(held)) return null;
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
