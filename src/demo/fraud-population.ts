import type { RuleId } from '../domain/fraud/config.ts';
import { Dec } from '../domain/money.ts';
import { DAY, HOUR, MIN, PopulationPlanner } from './population-planner.ts';

/**
 * A seeded, reproducible population for `ledger demo --fraud` and the detection-quality test:
 * ordinary accounts with realistic noise (salaries, card spending, rent, friends, some cash, near
 * misses) plus planted patterns of every rule. Everything is planned on a simulated timeline; the
 * driver sets the engine's clock to each operation's planned instant.
 */

export type Op =
  | { at: number; kind: 'open'; account: string; ownerId: string }
  | { at: number; kind: 'deposit' | 'withdraw'; account: string; amount: string; channel: string }
  | { at: number; kind: 'transfer'; account: string; to: string; amount: string };

export interface Planted {
  rule: RuleId;
  /** Logical account keys of the pattern; an alert of the rule on any of them detects it. */
  accounts: string[];
}

export interface Population {
  ops: Op[];
  planted: Planted[];
  accounts: number;
  start: number;
  days: number;
}

export interface PopulationOptions {
  seed: number;
  accounts: number;
  /** Planted instances of each rule. */
  perRule: number;
  days?: number;
  start?: string;
}

/** Noise is quantised to 6-hour slots, planted patterns to the minute: the driver sends the operations of one
 * instant together (one group commit), so coarse noise keeps the replay fast without touching the patterns. */
const slotOf = (t: number) => Math.floor(t / (6 * HOUR)) * 6 * HOUR;
const minuteOf = (t: number) => Math.floor(t / MIN) * MIN;

interface Span {
  start: number;
  end: number;
  days: number;
}

export function generatePopulation(o: PopulationOptions): Population {
  const plan = new PopulationPlanner(o.seed);
  const days = o.days ?? 240;
  const start = Date.parse(o.start ?? '2025-01-01T00:00:00.000Z');
  const span: Span = { start, end: start + days * DAY, days };
  const { ordinary, landlords } = openOrdinaryAccounts(plan, o.accounts, span);
  for (const key of ordinary) planOrdinaryLife(plan, key, ordinary, landlords, span);
  const planted = plantPatterns(plan, ordinary, o.perRule, span);
  const ops = [...plan.ops].sort((a, b) => a.at - b.at);
  return { ops, planted, accounts: plan.accounts, start, days };
}

// ── Ordinary population. Per-account events are generated in time order so balances are known. ──

function openOrdinaryAccounts(plan: PopulationPlanner, count: number, span: Span): { ordinary: string[]; landlords: string[] } {
  const ordinary: string[] = [];
  const landlords: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `acct-${i}`;
    const owner = i > 0 && plan.chance(0.08) ? `owner-${i - 1}` : `owner-${i}`;
    const late = plan.chance(0.1);
    const openedAt = slotOf(span.start + (late ? plan.int(20, span.days - 10) : plan.int(0, 20)) * DAY + plan.int(8, 18) * HOUR);
    plan.open(key, owner, openedAt);
    ordinary.push(key);
    if (i % 40 === 0) landlords.push(key);
  }
  return { ordinary, landlords };
}

interface Planned {
  at: number;
  run: (at: number) => void;
}

/**
 * One ordinary account's life: salary, rent, card spending, friends, some cash, rare near misses
 * (a cash deposit just under the reporting threshold, a big but legal purchase), and for a few a
 * quiet spell, some of them returning after it. The amounts of the timeline are drawn when it
 * runs, in time order.
 */
function planOrdinaryLife(plan: PopulationPlanner, key: string, ordinary: readonly string[], landlords: readonly string[], span: Span): void {
  const { int, chance, amount } = plan;
  const openedAt = plan.openedAtOf.get(key)!;
  const opened = (account: string, t: number) => plan.openedAtOf.get(account)! < t;
  const friends = Array.from({ length: int(1, 3) }, () => plan.pick(ordinary)!).filter((f) => f !== key);
  const landlord = plan.pick(landlords)!;
  const rent = amount('450', '1600');
  const salary = amount('1800', '4600');
  const quietFrom = chance(0.03) ? openedAt + int(10, 30) * DAY : Infinity;
  const returnsAt = quietFrom !== Infinity && chance(0.5) ? quietFrom + int(185, 200) * DAY : Infinity;
  const timeline: Planned[] = [];
  const every = (first: number, gap: () => number, each: (t: number) => void) => {
    for (let t = openedAt + first * DAY; t < span.end; t += gap() * DAY) each(t);
  };
  timeline.push({ at: openedAt + HOUR, run: (at) => plan.deposit(key, at, amount('50', '2500'), chance(0.5) ? 'cash' : 'ach') });
  every(int(1, 28), () => int(29, 31), (t) => timeline.push({ at: slotOf(t + 9 * HOUR), run: (at) => plan.deposit(key, at, salary, 'ach') }));
  every(int(2, 30), () => int(29, 31), (t) => {
    if (landlord !== key && opened(landlord, t)) timeline.push({ at: slotOf(t + 10 * HOUR), run: (at) => void plan.transfer(key, landlord, at, rent, '50') });
  });
  every(int(1, 5), () => int(6, 16), (t) => timeline.push({ at: slotOf(t + int(8, 22) * HOUR), run: (at) => void plan.withdraw(key, at, amount('4', '180'), 'card', '20') }));
  every(int(5, 20), () => int(20, 50), (t) => {
    const friend = plan.pick(friends);
    if (friend && opened(friend, t)) timeline.push({ at: slotOf(t + int(8, 22) * HOUR), run: (at) => void plan.transfer(key, friend, at, amount('10', '300'), '50') });
  });
  every(int(10, 60), () => int(30, 90), (t) => {
    timeline.push({ at: slotOf(t + int(9, 17) * HOUR), run: (at) => (chance(0.6) ? plan.deposit(key, at, amount('40', '3000'), 'cash') : void plan.withdraw(key, at, amount('40', '800'), 'cash', '20')) });
  });
  if (chance(0.01)) timeline.push({ at: slotOf(openedAt + int(30, 200) * DAY), run: (at) => plan.deposit(key, at, amount('9000', '9999.99'), 'cash') });
  if (chance(0.01)) timeline.push({ at: slotOf(openedAt + int(60, 200) * DAY), run: (at) => void plan.withdraw(key, at, amount('3000', '9500'), 'wire', '100') });
  if (returnsAt < span.end) timeline.push({ at: slotOf(returnsAt), run: (at) => plan.deposit(key, at, amount('100', '4900'), 'ach') });
  timeline
    .filter((e) => e.at < span.end && (e.at < quietFrom || e.at >= returnsAt))
    .sort((a, b) => a.at - b.at)
    .forEach((e) => e.run(e.at));
}

// ── Planted patterns, each on dedicated accounts whose balances the generator controls. ──

/** What a planter is given: fresh accounts, the instants patterns use, the ordinary accounts. */
interface PlantKit {
  plan: PopulationPlanner;
  span: Span;
  ordinary: readonly string[];
  /** A new planted account with its own owner, opened at `openedAt`, funded by ACH every 3 days. */
  fresh(openedAt: number, funding?: string[]): string;
  /** A new planted account key (for an account opened by the planter itself). */
  nextKey(): string;
  /** When a pattern happens: while its accounts are still fresh from funding (well under 180 days). */
  when(): number;
  /** When a pattern's accounts open: in the first days of the timeline. */
  old(): number;
}

type Planter = (kit: PlantKit, i: number) => string[];

/** One planter per rule, in the order they draw from the seed. */
const PLANTERS: ReadonlyArray<[RuleId, Planter]> = [
  ['large_transaction', plantLargeTransaction],
  ['structuring', plantStructuring],
  ['velocity', plantVelocity],
  ['rapid_pass_through', plantRapidPassThrough],
  ['round_trip', plantRoundTrip],
  ['dormant_reactivation', plantDormantReactivation],
  ['new_account_high_value', plantNewAccountHighValue],
  ['balance_drain', plantBalanceDrain],
];

function plantPatterns(plan: PopulationPlanner, ordinary: readonly string[], perRule: number, span: Span): Planted[] {
  let n = 0;
  const kit: PlantKit = {
    plan,
    span,
    ordinary,
    nextKey: () => `plant-${n++}`,
    fresh: (openedAt, funding = []) => {
      const key = kit.nextKey();
      plan.open(key, `owner-p${n}`, minuteOf(openedAt));
      funding.forEach((amt, i) => plan.deposit(key, minuteOf(openedAt + (i + 1) * 3 * DAY), amt, 'ach'));
      return key;
    },
    when: () => minuteOf(span.start + plan.int(40, 170) * DAY + plan.int(8, 16) * HOUR),
    old: () => span.start + plan.int(0, 10) * DAY,
  };
  const planted: Planted[] = [];
  for (let i = 0; i < perRule; i++) {
    for (const [rule, plant] of PLANTERS) planted.push({ rule, accounts: plant(kit, i) });
  }
  return planted;
}

function plantLargeTransaction({ plan, fresh, when, old }: PlantKit): string[] {
  const a = fresh(old(), ['3000', '3000']);
  plan.deposit(a, when(), plan.amount('12000', '60000'), 'wire');
  return [a];
}

/** Cash deposits just under the threshold; every third pattern across two accounts of one owner. */
function plantStructuring({ plan, fresh, nextKey, when, old }: PlantKit, i: number): string[] {
  const a = fresh(old(), ['1000']);
  const t = when();
  const count = plan.int(3, 4);
  const accounts = [a];
  if (i % 3 === 2) {
    const b = nextKey();
    plan.open(b, plan.ownerOf.get(a)!, minuteOf(old()));
    accounts.push(b);
  }
  for (let k = 0; k < count; k++) plan.deposit(accounts[k % accounts.length]!, minuteOf(t + k * plan.int(2, 6) * HOUR), plan.amount('9050', '9950'), 'cash');
  return accounts;
}

function plantVelocity({ plan, fresh, when, old }: PlantKit): string[] {
  const a = fresh(old(), ['2500', '2500']);
  const t = when();
  for (let k = 0; k < plan.int(12, 16); k++) plan.withdraw(a, t + k * 3 * MIN, plan.amount('20', '250'), 'card');
  return [a];
}

function plantRapidPassThrough({ plan, fresh, when, old }: PlantKit): string[] {
  const a = fresh(old(), ['1500', '1500']);
  const outs = [fresh(old(), ['500']), fresh(old(), ['500'])];
  const t = when();
  const inc = plan.amount('6000', '9500');
  plan.deposit(a, t, inc, 'wire');
  const total = new Dec(inc).times(plan.amount('0.85', '0.95'));
  const first = total.times('0.55').toFixed(2);
  plan.transfer(a, outs[0]!, minuteOf(t + plan.int(2, 12) * HOUR), first);
  plan.transfer(a, outs[1]!, minuteOf(t + plan.int(13, 40) * HOUR), total.minus(first).toFixed(2));
  return [a];
}

function plantRoundTrip({ plan, fresh, when, old }: PlantKit): string[] {
  const hops = plan.int(2, 3);
  const ring = Array.from({ length: hops }, () => fresh(old(), ['4900']));
  const t = when();
  let amt = new Dec(plan.amount('1500', '4500'));
  for (let k = 0; k < hops; k++) {
    plan.transfer(ring[k]!, ring[(k + 1) % hops]!, minuteOf(t + k * plan.int(3, 20) * HOUR), amt.toFixed(2));
    amt = amt.times(plan.amount('0.9', '0.99')).toDecimalPlaces(2);
  }
  return ring;
}

function plantDormantReactivation({ plan, span, fresh }: PlantKit): string[] {
  const a = fresh(span.start + plan.int(0, 5) * DAY, ['800']);
  plan.deposit(a, minuteOf(span.start + plan.int(200, span.days - 2) * DAY + plan.int(8, 16) * HOUR), plan.amount('6000', '9500'), 'wire');
  return [a];
}

function plantNewAccountHighValue({ plan, span, fresh }: PlantKit): string[] {
  const openedAt = span.start + plan.int(100, span.days - 10) * DAY;
  const a = fresh(openedAt);
  plan.deposit(a, minuteOf(openedAt + plan.int(6, 100) * HOUR), plan.amount('6000', '9500'), 'wire');
  return [a];
}

/** Nearly the whole balance to an ordinary account it never paid, opened before. */
function plantBalanceDrain({ plan, ordinary, fresh, when, old }: PlantKit): string[] {
  const a = fresh(old(), ['2000', '2500']);
  const t = when();
  let mule = plan.pick(ordinary)!;
  while (plan.openedAtOf.get(mule)! >= t) mule = plan.pick(ordinary)!;
  plan.transfer(a, mule, t, plan.balance(a).times(plan.amount('0.96', '1')).toFixed(2));
  return [a];
}
