import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec, compactDec, formatAmount, minorUnits, parseAmount } from '../../src/domain/money.ts';

describe('money', () => {
  it('knows ISO 4217 minor units', () => {
    expect(minorUnits('USD')).toBe(2);
    expect(minorUnits('JPY')).toBe(0);
    expect(minorUnits('KWD')).toBe(3);
  });

  it.each([
    ['10', 'USD', '10.00'],
    ['10.5', 'USD', '10.50'],
    ['0.01', 'USD', '0.01'],
    ['1000', 'JPY', '1000'],
    ['1.234', 'KWD', '1.234'],
    ['999999999999999999.99', 'USD', '999999999999999999.99'],
  ])('parses %s %s exactly', (text, currency, formatted) => {
    const parsed = parseAmount(text, currency);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(formatAmount(parsed.value, currency)).toBe(formatted);
  });

  it.each([
    ['-1', 'format'],
    ['+1', 'format'],
    ['1e3', 'format'],
    ['1E3', 'format'],
    [' 1', 'format'],
    ['1,00', 'format'],
    ['01', 'format'],
    ['.5', 'format'],
    ['1.', 'format'],
    ['NaN', 'format'],
    ['Infinity', 'format'],
    ['0x10', 'format'],
    ['1.001', 'scale'],
    ['0', 'not_positive'],
    ['0.00', 'not_positive'],
  ])('refuses %s (%s)', (text, problem) => {
    expect(parseAmount(text, 'USD')).toEqual({ ok: false, problem });
  });

  it('refuses decimals in a currency without minor units', () => {
    expect(parseAmount('1.5', 'JPY')).toEqual({ ok: false, problem: 'scale' });
  });

  it('adds cents without binary float error', () => {
    let total = new Dec(0);
    for (let i = 0; i < 10; i++) total = total.plus(new Dec('0.10'));
    expect(formatAmount(total, 'USD')).toBe('1.00');
  });

  it('formats negative zero as zero', () => {
    expect(formatAmount(new Dec('-0'), 'USD')).toBe('0.00');
  });

  it('round-trips any amount in scale (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 20n - 1n }), (minor) => {
        const text = (new Dec(minor.toString()).div(100)).toFixed(2);
        const parsed = parseAmount(text, 'USD');
        return parsed.ok && formatAmount(parsed.value, 'USD') === text;
      }),
    );
  });

  it('keeps the exact value and sign in a compact Dec (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 18 }), (digits, scale) => {
        const text = new Dec(digits.toString()).div(new Dec(10).pow(scale)).toFixed(scale);
        const kept = compactDec(text);
        return kept instanceof Dec && kept.equals(new Dec(text)) && kept.toFixed(scale) === text;
      }),
    );
  });
});
