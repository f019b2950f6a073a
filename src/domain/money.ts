import { Decimal } from 'decimal.js';

/**
 * Money: decimal.js end to end, amounts as strings on the wire, scale from ISO 4217.
 * No JS number ever carries an amount.
 */

// A private Decimal constructor so nobody's global configuration can change our precision or rounding.
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Dec = InstanceType<typeof Dec>;

/**
 * A Dec for a value that is kept (the anomaly projector's cached windows hold two per movement):
 * parsing grows its digit array by pushes, so V8 leaves room for 17 digits where an amount needs 2
 * or 3 (~120 bytes spare a value); copying a Dec slices the array to its length.
 */
export function compactDec(text: string): Dec {
  return new Dec(new Dec(text));
}

/** ISO 4217 minor units of the currencies the ledger accepts. */
export const CURRENCY_MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2, AUD: 2, BHD: 3, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2, EUR: 2, GBP: 2,
  HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JOD: 3, JPY: 0, KRW: 0, KWD: 3, MXN: 2, MYR: 2,
  NOK: 2, NZD: 2, OMR: 3, PHP: 2, PLN: 2, RON: 2, SAR: 2, SEK: 2, SGD: 2, THB: 2, TND: 3, TRY: 2,
  TWD: 2, UGX: 0, USD: 2, VND: 0, XAF: 0, XOF: 0, ZAR: 2,
});

export const SUPPORTED_CURRENCIES = Object.keys(CURRENCY_MINOR_UNITS).sort();

export function isSupportedCurrency(code: string): boolean {
  return Object.prototype.hasOwnProperty.call(CURRENCY_MINOR_UNITS, code);
}

export function minorUnits(currency: string): number {
  const units = CURRENCY_MINOR_UNITS[currency];
  if (units === undefined) throw new Error(`unsupported currency ${currency}`);
  return units;
}

/** Plain decimal notation: digits, optional fraction. No sign, no exponent, no spaces, no leading zeros. */
export const AMOUNT_PATTERN = /^(0|[1-9][0-9]{0,17})(\.[0-9]{1,18})?$/;

export type AmountProblem = 'format' | 'scale' | 'not_positive';

/** Parses a positive amount in a currency; returns the problem instead of throwing. */
export function parseAmount(text: string, currency: string): { ok: true; value: Dec } | { ok: false; problem: AmountProblem } {
  if (!AMOUNT_PATTERN.test(text)) return { ok: false, problem: 'format' };
  const value = new Dec(text);
  if (value.decimalPlaces() > minorUnits(currency)) return { ok: false, problem: 'scale' };
  if (value.lte(0)) return { ok: false, problem: 'not_positive' };
  return { ok: true, value };
}

/** Parses a non-negative limit (overdraft), same notation. */
export function parseNonNegative(text: string, currency: string): { ok: true; value: Dec } | { ok: false; problem: AmountProblem } {
  if (!AMOUNT_PATTERN.test(text)) return { ok: false, problem: 'format' };
  const value = new Dec(text);
  if (value.decimalPlaces() > minorUnits(currency)) return { ok: false, problem: 'scale' };
  return { ok: true, value };
}

/** Formats an amount in the currency's scale: 5 USD -> "5.00", -1.5 USD -> "-1.50". */
export function formatAmount(value: Dec | string, currency: string): string {
  const d = typeof value === 'string' ? new Dec(value) : value;
  const s = d.toFixed(minorUnits(currency));
  // Only a negative zero ("-0", "-0.00") loses its sign; the test runs on negative amounts alone.
  return s.charCodeAt(0) === 45 && (s === '-0' || /^-0\.0+$/.test(s)) ? s.slice(1) : s;
}
