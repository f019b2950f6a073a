import { describe, expect, it } from 'vitest';
import type { Column } from '../../src/reports/columns.ts';
import { csvCell, csvHeader, csvRows } from '../../src/reports/csv.ts';
import { parseThresholds } from '../../src/reports/large-transactions.ts';
import { groupThousands } from '../../src/reports/columns.ts';
import { isPeriodBound, parsePeriod } from '../../src/reports/period.ts';
import { parseCsv } from '../support/reports.ts';

const columns: Column[] = [
  { key: 'reference', label: 'Reference', kind: 'text', width: 1 },
  { key: 'amount', label: 'Amount', kind: 'amount', width: 1 },
  { key: 'count', label: 'Count', kind: 'integer', width: 1 },
];

describe('CSV writer', () => {
  it('neutralises formula-like text but keeps numeric amounts exact', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvCell('text', s)).toBe(`'${s}`);
    expect(csvCell('id', '-abc')).toBe("'-abc");
    expect(csvCell('text', 'plain')).toBe('plain');
    expect(csvCell('amount', '-10.50')).toBe('-10.50');
    expect(csvCell('integer', '-3')).toBe('-3');
    // Not a number in an amount column: treated as text.
    expect(csvCell('amount', '=cmd|calc')).toBe("'=cmd|calc");
    expect(csvCell('text', null)).toBe('');
  });

  it('neutralises formulas hidden behind whitespace, invisible characters or Unicode look-alikes', () => {
    for (const s of ['\n=1+1', ' =1+1', '\u200b=1+1', '\ufeff=1+1', '\u00a0+1', '\uff1d1+1', '\ufe661+1', '\uff0b1', '\uff201', ' \n\u200b\uff1dHYPERLINK("x")']) {
      expect(csvCell('text', s)).toBe(`'${s}`);
    }
    expect(csvCell('text', ' plain')).toBe(' plain');
    expect(csvCell('text', '\uff21bc')).toBe('\uff21bc'); // fullwidth A: text, not a formula
    expect(csvCell('amount', ' =1+1')).toBe("' =1+1");
  });

  it('is RFC 4180: CRLF, header row, quotes around commas, quotes and line breaks', () => {
    const text = csvHeader(columns) + csvRows(columns, [['a, "b"', '-10.50', '1'], ['line\nbreak', '0.00', null], ['=x', '12345678901234567890.12', '2']]);
    expect(text).toBe('reference,amount,count\r\n"a, ""b""",-10.50,1\r\n"line\nbreak",0.00,\r\n\'=x,12345678901234567890.12,2\r\n');
    const rows = parseCsv(text);
    expect(rows.map((r) => r.reference)).toEqual(['a, "b"', 'line\nbreak', "'=x"]);
    expect(rows[2]!.amount).toBe('12345678901234567890.12');
  });
});

describe('report parameters', () => {
  it('parses periods: a date to includes the whole day, date-times are instants', () => {
    expect(parsePeriod('2026-01-01', '2026-01-31')).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(parsePeriod('2026-01-01T10:00:00+02:00', undefined)).toEqual({ from: '2026-01-01T08:00:00.000Z', to: null });
    expect(isPeriodBound('2026-02-30')).toBe(false);
    expect(isPeriodBound('2026-13-01')).toBe(false);
    expect(isPeriodBound('yesterday')).toBe(false);
    expect(isPeriodBound('2024-02-29')).toBe(true);
    expect(() => parsePeriod('2026-02-01', '2026-01-01')).toThrow(/to must be after from/);
  });

  it('parses thresholds: a default and per-currency overrides', () => {
    const t = parseThresholds('5000,JPY:1500000, EUR:9000.50');
    expect(t.default.toFixed()).toBe('5000');
    expect(t.perCurrency.get('JPY')!.toFixed()).toBe('1500000');
    expect(t.perCurrency.get('EUR')!.toFixed()).toBe('9000.5');
    expect(parseThresholds(undefined).default.toFixed(2)).toBe('10000.00');
    expect(() => parseThresholds('JPY:10.5')).toThrow(/decimals/);
    expect(() => parseThresholds('XXX:10')).toThrow(/not supported/);
    expect(() => parseThresholds('1e5')).toThrow(/threshold/);
  });

  it('groups thousands for people without touching the digits', () => {
    expect(groupThousands('-1234567.89')).toBe('-1,234,567.89');
    expect(groupThousands('999.00')).toBe('999.00');
    expect(groupThousands('2000000')).toBe('2,000,000');
  });
});
