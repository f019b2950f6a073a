import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Row } from '../../src/reports/columns.ts';
import { humanize, kindLabel } from '../../src/reports/labels.ts';
import { LinePager, continuationCosts } from '../../src/reports/pdf-blocks.ts';
import { textRuns, textWidth, wrapText } from '../../src/reports/pdf-fonts.ts';
import { type ReportPlan, renderReport } from '../../src/reports/report.ts';
import { alertBlock } from '../../src/reports/suspicious-activity.ts';

describe('report text', () => {
  it('draws each character in the first font that has it: DejaVu for Latin, Greek, Cyrillic; the CJK subset for the rest', () => {
    expect(textRuns('Owner Ωμέγα-Жуков 山田 ok', 'sans').map((r) => [r.font, r.text])).toEqual([
      ['sans', 'Owner Ωμέγα-Жуков '],
      ['cjk', '山田'],
      ['sans', ' ok'],
    ]);
    expect(textRuns('01a2-Ж', 'mono').map((r) => r.font)).toEqual(['mono']);
    expect(textWidth('山田', 'sans', 10)).toBeGreaterThan(textWidth('ab', 'sans', 10));
  });

  it('wraps at spaces, breaks words longer than a line, and every line fits', () => {
    const text = `Called the customer; Звонок клиенту; 顧客に確認済み. ${'x'.repeat(80)} end`;
    const lines = wrapText(text, 'sans', 7.5, 120);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(textWidth(line, 'sans', 7.5)).toBeLessThanOrEqual(120);
    expect(lines.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
    expect(wrapText('', 'sans', 7.5, 100)).toEqual(['']);
  });

  it('names journal kinds, event types and rules in words', () => {
    expect(['deposit', 'transfer_out', 'hold_capture_out', 'hold_capture_in', 'reversal_out', 'reversal_in'].map(kindLabel)).toEqual([
      'Deposit',
      'Transfer out',
      'Hold captured, out',
      'Hold captured, in',
      'Reversal, out',
      'Reversal, in',
    ]);
    expect(kindLabel('cash_back')).toBe('Cash back');
    expect(humanize('HoldCaptureDebited')).toBe('Hold capture debited');
    expect(humanize('new_account_high_value')).toBe('New account high value');
  });
});

describe('block layout', () => {
  it('keeps a block heading with its first lines, continues long blocks on the next page with a heading', () => {
    const breaks: boolean[] = [];
    const pager = new LinePager(6, 10, (continued) => breaks.push(continued));
    const slots = (n: number) => {
      pager.startBlock(n);
      return Array.from({ length: n }, () => {
        const slot = pager.line();
        return [pager.page, slot];
      });
    };
    expect(slots(3)).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    // 2 lines left after the gap: fewer than the 5 kept together, so the block starts on page 2.
    expect(slots(7)[0]).toEqual([2, 0]);
    // 2 lines left on page 2 after the gap; a 12-line block starts on page 3 and continues on page 4 after its heading.
    const long = slots(12);
    expect(long[0]).toEqual([3, 0]);
    expect(long[10]).toEqual([4, 1]);
    expect(breaks).toEqual([false, false, true]);
  });

  it('repeats a sub-table heading when its rows continue on the next page', () => {
    const line = (style: 'title' | 'head' | 'text' | 'row') => ({ style, cells: [] });
    expect(continuationCosts([line('title'), line('text'), line('head'), line('row'), line('head'), line('row')])).toEqual([1, 1, 1, 2, 1, 2]);
    const pager = new LinePager(10, 4);
    pager.startBlock(6);
    const slots = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2].map((cost) => {
      const slot = pager.line(cost);
      return [pager.page, slot];
    });
    // The eleventh line starts page 2 below the "continued" heading and the column headings; the twelfth follows it.
    expect(slots.slice(9)).toEqual([
      [1, 9],
      [2, 2],
      [2, 3],
    ]);
  });

  it('renders many alerts of every size: pages planned before drawing are the pages drawn', async () => {
    const rows: Row[] = Array.from({ length: 60 }, (_, i) => alertRow(i));
    const plan: ReportPlan = {
      name: 'suspicious-activity',
      title: 'Suspicious activity',
      orientation: 'landscape',
      period: { from: null, to: null },
      snapshot: new Map([[0, 999]]),
      details: [['Source', 'test']],
      summary: [['Alerts', '60']],
      columns: Array.from({ length: 14 }, (_, i) => ({ key: `c${i}`, label: `c${i}`, kind: 'text' as const, width: 1 })),
      rowCount: rows.length,
      totalsLines: 1,
      emptyText: 'none',
      fileStem: 'suspicious-activity_test',
      async *pages() {
        yield rows.slice(0, 25);
        yield rows.slice(25);
      },
      totals: () => [['Alerts', '60']],
      blocks: alertBlock,
    };
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const result = await renderReport(plan, 'pdf', out, new Date('2026-01-01T00:00:00Z'));
    expect(result.rows).toBe(60);
    const pdf = Buffer.concat(chunks);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    if (process.env.REPORTS_KEEP_DIR) writeFileSync(`${process.env.REPORTS_KEEP_DIR}/alert-blocks.pdf`, pdf);
  });
});

/** A CSV row of the suspicious-activity report, with i evidence movements and a history of i % 4 changes. */
function alertRow(i: number): Row {
  const id = (n: number) => `01a220ae-${String(n).padStart(4, '0')}-7000-8000-${String(i).padStart(12, '0')}`;
  const evidence = Array.from({ length: (i % 7) + 1 }, (_, k) => ({
    eventId: id(k),
    transactionId: id(k + 100),
    accountId: id(1),
    kind: k % 2 ? 'transfer_out' : 'deposit',
    amount: `${9000 + k}.00`,
    currency: 'USD',
    occurredAt: '2026-01-01T10:00:00.000Z',
    counterpartyId: k % 2 ? id(2) : null,
  }));
  const history = [
    { status: 'open', at: '2026-01-01T10:00:00.000Z', actor: 'system', actorName: 'system', note: null },
    ...Array.from({ length: i % 4 }, (_, k) => ({ status: 'investigating', at: '2026-01-02T10:00:00.000Z', actor: 'key:abc', actorName: 'Анна 佐藤', note: `note ${k}: ${'checked the counterparty and the contract; '.repeat(i % 5)}` })),
  ];
  return [
    '2026-01-01T10:00:00.000Z',
    `structuring-${id(i)}`,
    'structuring',
    'high',
    '80',
    'investigating',
    id(1),
    `${id(1)} ${id(2)}`,
    '27000.00',
    'USD',
    `${(i % 7) + 1} deposits just under the 10,000.00 USD reporting threshold within 24 hours`,
    String(i),
    JSON.stringify(evidence),
    JSON.stringify(history),
  ];
}
