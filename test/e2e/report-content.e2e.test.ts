import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';
import { type Csv, parseCsv, pdfPages, pdfText, saveTemp } from '../support/reports.ts';

/**
 * What a reader finds in the reports: Unicode owners, references and actor names as typed (Greek,
 * Cyrillic, CJK), holds and reversals in words, and suspicious activity as a block per alert with
 * its evidence rows, status history and the analyst's note. REPORTS_KEEP_DIR keeps the PDFs (to look at them).
 */
const OWNER = 'Ωμέγα-Жуков-山田太郎';
const REFERENCE = 'Πληρωμή Оплата 支払い';
const ANALYST = 'Анна Ιωάννου 佐藤';
const TELLER = 'Ξένια Пе 鈴木';
const NOTE = 'Called the customer: the deposit is the sale of a flat (contract seen). Звонок клиенту; 顧客に確認済み. Kept under review until the next statement.';

describe.each(BACKENDS)('report content on %s', (backend) => {
  let ledger: TestLedger;
  let a: string;
  let b: string;
  let depositTx: string;

  async function get(p: string): Promise<Buffer> {
    const res = await ledger.as().fetch(p);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status, bytes.toString()).toBe(200);
    return bytes;
  }
  async function pdf(p: string, keepAs: string): Promise<{ text: string; pages: number }> {
    const file = saveTemp(await get(p), 'pdf');
    const keep = process.env.REPORTS_KEEP_DIR;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(file, path.join(keep, `${keepAs}.pdf`));
    }
    return { text: pdfText(file), pages: pdfPages(file) };
  }
  const csv = async (p: string): Promise<Csv> => parseCsv(await get(p));

  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    const admin = ledger.as();
    a = await ledger.openAccount({ ownerId: OWNER });
    b = await ledger.openAccount({ ownerId: OWNER });
    depositTx = created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '25000.00', reference: REFERENCE, channel: 'wire' })).transactionId as string;
    const hold = created(await admin.post('/v1/holds', { accountId: a, amount: '300.00', counterpartyAccountId: b, reference: 'card pre-authorisation' }));
    expect((await admin.post(`/v1/holds/${hold.id as string}/capture`, { amount: '120.00' })).status).toBe(200);
    const teller = created(await admin.post('/v1/keys', { name: TELLER, role: 'teller' }));
    created(await ledger.as({ token: teller.token as string }).post(`/v1/accounts/${b}/deposits`, { amount: '10.00', reference: 'counter' }));
    const transfer = created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '50.00', reference: 'duplicate' }));
    created(await admin.post(`/v1/transactions/${transfer.transactionId as string}/reversals`, { reason: 'sent twice' }));
    await ledger.catchUp();
    const analyst = created(await admin.post('/v1/keys', { name: ANALYST, role: 'analyst' }));
    const alerts = (await ledger.as({ token: analyst.token as string }).get(`/v1/fraud/alerts?accountId=${a}`)).body as { items: unknown[] };
    const alert = (alerts.items as Array<{ id: string; rule: string }>).find((x) => x.rule === 'large_transaction')!;
    const changed = await ledger.as({ token: analyst.token as string }).post(`/v1/fraud/alerts/${alert.id}/status`, { status: 'investigating', note: NOTE });
    expect(changed.status, JSON.stringify(changed.body)).toBeLessThan(300);
    await ledger.catchUp();
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('prints Greek, Cyrillic and CJK owner ids and references as typed', async () => {
    const statement = await pdf(`/v1/reports/account-statement?accountId=${a}`, 'account-statement');
    expect(statement.text).toContain(OWNER);
    expect(statement.text).toContain(REFERENCE);
    const owner = await pdf(`/v1/reports/owner-activity?ownerId=${encodeURIComponent(OWNER)}`, 'owner-activity');
    expect(owner.text).toContain(OWNER);
  });

  it('names the kinds holds and reversals add, in the PDF and beside the code in the CSV', async () => {
    const rows = await csv(`/v1/reports/account-statement?accountId=${a}&format=csv`);
    expect(rows.map((r) => [r.kind, r.description])).toEqual([
      ['deposit', 'Deposit'],
      ['hold_capture_out', 'Hold captured, out'],
      ['transfer_out', 'Transfer out'],
      ['reversal_in', 'Reversal, in'],
    ]);
    const text = (await pdf(`/v1/reports/account-statement?accountId=${b}`, 'account-statement-b')).text;
    expect(text).toContain('Hold captured, in');
    expect(text).toContain('Reversal, out');
    expect(text).not.toMatch(/hold_capture|reversal_out/);
    const owner = await csv(`/v1/reports/owner-activity?ownerId=${encodeURIComponent(OWNER)}&format=csv`);
    expect(owner.map((r) => r.description)).toContain('Hold captured, in');
  });

  it('suspicious activity: a block per alert with the summary, evidence rows, status history, actor names and notes', async () => {
    const rows = await csv('/v1/reports/suspicious-activity?format=csv');
    const row = rows.find((r) => r.rule === 'large_transaction' && r.account_id === a)!;
    expect(row.amount).toBe('25000.00');
    expect(row.status).toBe('investigating');
    const history = JSON.parse(row.history!) as Array<{ status: string; actorName: string; note: string | null }>;
    expect(history.map((h) => h.status)).toEqual(['open', 'investigating']);
    expect(history[1]).toMatchObject({ actorName: ANALYST, note: NOTE });

    const { text } = await pdf('/v1/reports/suspicious-activity', 'suspicious-activity');
    const flat = text.replace(/\s+/g, ' ');
    expect(text).toContain(`Alert ${row.alert_id}`);
    expect(text).toContain('Large transaction');
    expect(text).toContain('Severity');
    expect(flat).toContain(row.summary!.replace(/\s+/g, ' ').slice(0, 40));
    expect(text).toContain(depositTx);
    expect(text).toContain('25,000.00 USD');
    expect(text).toContain(ANALYST);
    expect(flat).toContain('Звонок клиенту; 顧客に確認済み.');
    expect(text).toMatch(/investigating/);
  });

  it('renders every report with the embedded fonts', async () => {
    const all: Array<[string, string]> = [
      ['trial-balance', '/v1/reports/trial-balance'],
      ['general-ledger-detail', `/v1/reports/general-ledger-detail?glAccount=customer:${a}`],
      ['general-ledger-wire', '/v1/reports/general-ledger-detail?glAccount=settlement:wire:USD'],
      ['large-transactions', '/v1/reports/large-transactions?threshold=100'],
      ['owner-activity', `/v1/reports/owner-activity?ownerId=${encodeURIComponent(OWNER)}`],
    ];
    for (const [name, url] of all) {
      const { text } = await pdf(url, name);
      expect(text).toContain('End of report');
    }
  });

  it('names the actor beside the id in the audit trail', async () => {
    const rows = await csv(`/v1/reports/audit-trail?format=csv&accountId=${b}&type=FundsDeposited`);
    expect(rows.map((r) => r.actor_name)).toEqual([TELLER]);
    expect(rows[0]!.actor).toMatch(/^key:/);
    const { text } = await pdf('/v1/reports/audit-trail', 'audit-trail');
    expect(text).toContain(TELLER);
    expect(text).toContain(rows[0]!.actor);
    const large = await csv('/v1/reports/large-transactions?format=csv');
    expect(large.map((r) => r.actor_name)).toContain('bootstrap');
  });
});
