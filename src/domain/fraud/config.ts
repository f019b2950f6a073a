import { AppError } from '../../errors.ts';
import { Dec, isSupportedCurrency } from '../money.ts';

/**
 * Thresholds of the anomaly rules, per currency, in ONE place. Built-in defaults below; a JSON
 * file named by LEDGER_FRAUD_RULES overrides them:
 *
 *   { "defaults": { "large_transaction": { "threshold": "15000.00" } },
 *     "currencies": { "JPY": { "large_transaction": { "threshold": "1500000" } } } }
 *
 * Resolution for a currency: built-in defaults ← built-in currency overrides ← file defaults ← file
 * currency overrides, rule by rule and field by field. Amounts are decimal strings, never numbers.
 */

export const RULE_IDS = [
  'large_transaction',
  'structuring',
  'velocity',
  'rapid_pass_through',
  'round_trip',
  'dormant_reactivation',
  'new_account_high_value',
  'balance_drain',
  'mule_cash_out',
  'fan_in',
  'account_takeover',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

interface Common {
  enabled: boolean;
  severity: Severity;
  /** After an alert of this rule on an account, the same rule stays quiet on it for this long. */
  cooldownHours: number;
}

export interface RuleParams {
  /** threshold is a floor: above it, an amount must also exceed the population's populationQuantile of its kind, and an
   * account past its warm-up its own usual outflow by baselineSigmas standard deviations (log scale). */
  large_transaction: Common & { threshold: string; populationQuantile: number; baselineSigmas: number };
  structuring: Common & {
    /** The reporting threshold (e.g. a currency transaction report at 10,000). */
    reportingThreshold: string;
    /** A movement is "just below" when it is within this percentage under the threshold. */
    marginPercent: string;
    minCount: number;
    windowHours: number;
    /** Channels that count as cash. */
    channels: string[];
  };
  velocity: Common & { windowMinutes: number; maxCount: number; maxOutAmount: string };
  rapid_pass_through: Common & { windowHours: number; minIncoming: string; outRatio: string };
  round_trip: Common & { windowHours: number; minAmount: string; maxHops: number; minCarriedRatio: string };
  dormant_reactivation: Common & { dormantDays: number; minAmount: string };
  /** minAmount is a floor: the amount must also exceed the population's populationQuantile of its kind. */
  new_account_high_value: Common & { maxAgeDays: number; minAmount: string; populationQuantile: number };
  /**
   * Outflows (transfers to accounts never paid before, withdrawals) within windowMinutes that leave at most maxRemainingRatio of the balance;
   * not while an account opened less than warmUpHours before spends its opening deposit, its only inflow so far.
   */
  balance_drain: Common & { minBalanceBefore: string; maxRemainingRatio: string; windowMinutes: number; warmUpHours: number };
  /** Money received by transfer and sent on or cashed out within windowMinutes, leaving the account nearly empty. */
  mule_cash_out: Common & { windowMinutes: number; minIncoming: string; outRatio: string; maxRemainingRatio: string };
  /** Many different senders into one new account within windowHours. */
  fan_in: Common & { windowHours: number; minSenders: number; maxAgeDays: number; minAmount: string };
  /**
   * A payer's run of outflows within drainWindowMinutes leaving at most maxRemainingRatio of a balance of at least
   * minBalanceBefore, to an account it never paid before, which sends on or cashes out outRatio of it within windowMinutes.
   */
  account_takeover: Common & { windowMinutes: number; drainWindowMinutes: number; minBalanceBefore: string; maxRemainingRatio: string; outRatio: string };
}

export type CurrencyRules = RuleParams;

export type RuleOverrides = { [R in RuleId]?: Partial<RuleParams[R]> };

export interface FraudConfigFile {
  defaults?: RuleOverrides;
  currencies?: Record<string, RuleOverrides>;
}

export const DEFAULT_RULES: RuleParams = {
  large_transaction: { enabled: true, severity: 'medium', cooldownHours: 0, threshold: '10000.00', populationQuantile: 0.995, baselineSigmas: 3 },
  structuring: {
    enabled: true,
    severity: 'high',
    cooldownHours: 24,
    reportingThreshold: '10000.00',
    marginPercent: '10',
    minCount: 3,
    windowHours: 24,
    channels: ['cash'],
  },
  velocity: { enabled: true, severity: 'medium', cooldownHours: 24, windowMinutes: 60, maxCount: 10, maxOutAmount: '25000.00' },
  rapid_pass_through: { enabled: true, severity: 'high', cooldownHours: 48, windowHours: 48, minIncoming: '5000.00', outRatio: '0.8' },
  round_trip: { enabled: true, severity: 'high', cooldownHours: 72, windowHours: 72, minAmount: '1000.00', maxHops: 4, minCarriedRatio: '0.7' },
  dormant_reactivation: { enabled: true, severity: 'medium', cooldownHours: 24, dormantDays: 180, minAmount: '5000.00' },
  new_account_high_value: { enabled: true, severity: 'medium', cooldownHours: 168, maxAgeDays: 7, minAmount: '5000.00', populationQuantile: 0.98 },
  balance_drain: { enabled: true, severity: 'high', cooldownHours: 24, minBalanceBefore: '100.00', maxRemainingRatio: '0.1', windowMinutes: 60, warmUpHours: 48 },
  mule_cash_out: { enabled: true, severity: 'critical', cooldownHours: 24, windowMinutes: 60, minIncoming: '50.00', outRatio: '0.8', maxRemainingRatio: '0.1' },
  fan_in: { enabled: true, severity: 'high', cooldownHours: 24, windowHours: 24, minSenders: 3, maxAgeDays: 7, minAmount: '500.00' },
  // No cool-down: a mule's later cash-outs join its open alert (one alert per account and rule).
  account_takeover: { enabled: true, severity: 'critical', cooldownHours: 0, windowMinutes: 360, drainWindowMinutes: 60, minBalanceBefore: '1.00', maxRemainingRatio: '0.1', outRatio: '0.8' },
};

/** Currencies whose unit is worth far less than a dollar get thresholds in their own magnitude. */
const BUILT_IN_CURRENCY_OVERRIDES: Record<string, RuleOverrides> = {
  JPY: scaled(100),
  KRW: scaled(1000),
};

function scaled(factor: number): RuleOverrides {
  const m = (s: string) => new Dec(s).times(factor).toFixed(0);
  const d = DEFAULT_RULES;
  return {
    large_transaction: { threshold: m(d.large_transaction.threshold) },
    structuring: { reportingThreshold: m(d.structuring.reportingThreshold) },
    velocity: { maxOutAmount: m(d.velocity.maxOutAmount) },
    rapid_pass_through: { minIncoming: m(d.rapid_pass_through.minIncoming) },
    round_trip: { minAmount: m(d.round_trip.minAmount) },
    dormant_reactivation: { minAmount: m(d.dormant_reactivation.minAmount) },
    new_account_high_value: { minAmount: m(d.new_account_high_value.minAmount) },
    balance_drain: { minBalanceBefore: m(d.balance_drain.minBalanceBefore) },
    mule_cash_out: { minIncoming: m(d.mule_cash_out.minIncoming) },
    fan_in: { minAmount: m(d.fan_in.minAmount) },
    account_takeover: { minBalanceBefore: m(d.account_takeover.minBalanceBefore) },
  };
}

function merge(base: RuleParams, over: RuleOverrides | undefined): RuleParams {
  if (!over) return base;
  const out = { ...base } as Record<RuleId, unknown>;
  for (const id of RULE_IDS) {
    const o = over[id];
    if (o) out[id] = { ...base[id], ...o };
  }
  return out as RuleParams;
}

/** Every rule's thresholds, resolved per currency; immutable once built. */
export class FraudConfig {
  private readonly cache = new Map<string, RuleParams>();
  constructor(readonly file: FraudConfigFile = {}) {
    validateFile(file);
  }

  forCurrency(currency: string): RuleParams {
    let r = this.cache.get(currency);
    if (!r) {
      r = merge(merge(merge(DEFAULT_RULES, BUILT_IN_CURRENCY_OVERRIDES[currency]), this.file.defaults), this.file.currencies?.[currency]);
      this.cache.set(currency, r);
    }
    return r;
  }

  /** The currencies with explicit thresholds (built in or configured), for GET /v1/fraud/rules. */
  currencies(): string[] {
    return [...new Set([...Object.keys(BUILT_IN_CURRENCY_OVERRIDES), ...Object.keys(this.file.currencies ?? {})])].sort();
  }

  /** How far back a takeover reaches from a cash-out to the payers' drains (both windows), in ms. */
  takeoverWindowMs(): number {
    return Math.max(...['*', ...this.currencies()].map((c) => this.forCurrency(c).account_takeover).map((t) => (t.windowMinutes + t.drainWindowMinutes) * 60_000));
  }

  /** The longest look-back any rule of any currency needs, in ms: how much activity the projector keeps at hand. */
  maxWindowMs(): number {
    let max = 0;
    for (const c of ['*', ...this.currencies()]) {
      const r = this.forCurrency(c);
      max = Math.max(
        max,
        hours(r.structuring.windowHours),
        r.velocity.windowMinutes * 60_000,
        hours(r.rapid_pass_through.windowHours),
        hours(r.fan_in.windowHours),
        r.balance_drain.windowMinutes * 60_000,
        r.mule_cash_out.windowMinutes * 60_000,
        this.takeoverWindowMs(),
      );
    }
    return max;
  }
}

/** Amount parameters parsed so far: the config's decimal strings, a few dozen. */
const parsedParams = new Map<string, Dec>();

/**
 * A rule's amount parameter (a decimal string of the config) as a Dec, parsed once: the rules compare
 * against their thresholds on every movement, and parsing the string each time was a measurable part
 * of the anomaly projector (BENCHMARKS.md). For config values only, never amounts from events.
 */
export function param(text: string): Dec {
  let value = parsedParams.get(text);
  if (value === undefined) {
    if (parsedParams.size >= 1024) parsedParams.clear();
    value = new Dec(text);
    parsedParams.set(text, value);
  }
  return value;
}

export const hours = (h: number): number => h * 3_600_000;
export const days = (d: number): number => d * 86_400_000;

const AMOUNT_FIELDS = new Set(['threshold', 'reportingThreshold', 'marginPercent', 'maxOutAmount', 'minIncoming', 'outRatio', 'minAmount', 'minCarriedRatio', 'minBalanceBefore', 'maxRemainingRatio']);

/** Refuses a config file with unknown rules, unknown fields, wrong types or non-decimal amounts. */
export function validateFile(file: FraudConfigFile): void {
  const sections: Array<[string, RuleOverrides | undefined]> = [['defaults', file.defaults], ...Object.entries(file.currencies ?? {}).map(([c, o]): [string, RuleOverrides] => [`currencies.${c}`, o])];
  for (const c of Object.keys(file.currencies ?? {})) {
    if (!isSupportedCurrency(c)) throw new AppError('validation_failed', `fraud rules: unsupported currency ${c}`, `currencies.${c}`);
  }
  for (const [where, over] of sections) {
    if (!over) continue;
    for (const [rule, fields] of Object.entries(over)) {
      if (!(RULE_IDS as readonly string[]).includes(rule)) throw new AppError('validation_failed', `fraud rules: unknown rule ${rule}`, `${where}.${rule}`);
      const base = DEFAULT_RULES[rule as RuleId] as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
        const at = `${where}.${rule}.${field}`;
        if (!(field in base)) throw new AppError('validation_failed', `fraud rules: unknown field ${at}`, at);
        if (AMOUNT_FIELDS.has(field)) {
          if (typeof value !== 'string' || !/^[0-9]+(\.[0-9]+)?$/.test(value)) throw new AppError('validation_failed', `fraud rules: ${at} must be a decimal string`, at);
        } else if (field === 'severity') {
          if (!(SEVERITIES as readonly unknown[]).includes(value)) throw new AppError('validation_failed', `fraud rules: ${at} must be one of ${SEVERITIES.join(', ')}`, at);
        } else if (field === 'channels') {
          if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new AppError('validation_failed', `fraud rules: ${at} must be a list of channels`, at);
        } else if (typeof value !== typeof base[field]) {
          throw new AppError('validation_failed', `fraud rules: ${at} must be a ${typeof base[field]}`, at);
        }
      }
    }
  }
}
