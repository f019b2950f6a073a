import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.ts';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';
import { expectProblem } from '../support/problems.ts';
import { type Csv, csvDataHash, parseCsv, pdfPages, pdfText, printedHash, saveTemp } from '../support/reports.ts';

describe.each(BACKENDS)('reports on %s', (backend) => {
  let ledger: TestLedger;
  let a: string;
  let b: string;
  let yen: string;
  let position = 0;

  async function get(p: string): Promise<{ res: Response; bytes: Buffer }> {
    const res = await ledger.as().fetch(p);
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  }
  async function csv(p: string): Promise<{ rows: Csv; bytes: Buffer; res: Response }> {
    const { res, bytes } = await get(p);
    expect(res.status, bytes.toString()).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    return { rows: parseCsv(bytes), bytes, res };
  }
  async function pdf(p: string): Promise<{ file: string; text: string; pages: number; res: Response }> {
    const { res, bytes } = await get(p);
    expect(res.status, bytes.toString()).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const file = saveTemp(bytes, 'pdf');
    return { file, text: pdfText(file), pages: pdfPages(file), res };
  }

  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    const admin = ledger.as();
    a = await ledger.openAccount({ ownerId: 'cust-7' });
    b = await ledger.openAccount({ overdraftLimit: '50.00' });
    yen = await ledger.openAccount({ currency: 'JPY' });
    created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '25000.00', reference: '=HYPERLINK("http://x")', channel: 'wire' }));
    created(await admin.post(`/v1/accounts/${yen}/deposits`, { amount: '2000000', reference: '@yen' }));
    for (let i = 0; i < 110; i++) {
      created(await admin.post(`/v1/accounts/${a}/withdrawals`, { amount: `${(i % 9) + 1}.05`, reference: `atm ${i}, "branch"` }));
    }
    created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '12000.00', reference: '+rent' }));
    created(await admin.post(`/v1/accounts/${b}/withdrawals`, { amount: '12030.25', reference: '-overdrawn' }));
    position = created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '0.10' })).position as number;
    await ledger.catchUp();
    // The detector records its alerts in the log too (AlertRaised): the reports are as of the log's end.
    position = await ledger.system.readModels.ledger.position(0);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('account statement CSV reconciles with the balance and neutralises formulas but not amounts', async () => {
    const { rows, res } = await csv(`/v1/reports/account-statement?accountId=${a}&format=csv`);
    expect(res.headers.get('ledger-report-position')).toBe(String(position));
    expect(rows.length).toBe(113);
    let total = new Dec(0);
    for (const r of rows) total = total.plus(r.amount_in || '0').minus(r.amount_out || '0');
    const balance = await ledger.as().get(`/v1/accounts/${a}/balance`);
    expect(total.toFixed(2)).toBe(balance.body.balance);
    expect(rows[rows.length - 1]!.balance).toBe(balance.body.balance);
    expect(rows[0]!.reference).toBe(`'=HYPERLINK("http://x")`);
    expect(rows.find((r) => r.kind === 'transfer_out')!.reference).toBe("'+rent");
    // An overdrawn balance stays a number.
    const overdrawn = await csv(`/v1/reports/account-statement?accountId=${b}&format=csv`);
    expect(overdrawn.rows.map((r) => [r.reference, r.balance])).toEqual([
      ["'+rent", '12000.00'],
      ["'-overdrawn", '-30.25'],
    ]);
  });

  it('account statement PDF: header, repeated column headings, page x of y, totals and the CSV data hash', async () => {
    const { file, text, pages } = await pdf(`/v1/reports/account-statement?accountId=${a}`);
    const { bytes } = await get(`/v1/reports/account-statement?accountId=${a}&format=csv`);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(text).toContain('Account statement');
    expect(text).toContain(a);
    expect(text).toContain(`Log position ${position}`);
    expect(text).toMatch(/Opening balance\s+0\.00 USD/);
    const balance = (await ledger.as().get(`/v1/accounts/${a}/balance`)).body.balance as string;
    const grouped = new Dec(balance).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    expect(text).toMatch(new RegExp(`Closing balance \\(opening \\+ in - out\\)\\s+${grouped} USD`));
    expect(text).toMatch(/Total in\s+25,000\.10 USD/);
    expect(text).toContain('every entry agrees with the recorded balance');
    for (let p = 1; p <= pages; p++) {
      const pageText = pdfText(file, p);
      expect(pageText).toContain(`Page ${p} of ${pages}`);
      if (p < pages) expect(pageText).toMatch(/Date \(UTC\)\s+Type\s+Reference/);
    }
    expect(printedHash(text)).toBe(csvDataHash(bytes));
  });

  it('is reproducible at a log position: same rows and hash after the log moved on', async () => {
    const before = await csv(`/v1/reports/account-statement?accountId=${a}&format=csv`);
    const later = created(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' })).position as number;
    await ledger.catchUp();
    const now = await csv(`/v1/reports/account-statement?accountId=${a}&format=csv`);
    expect(now.res.headers.get('ledger-report-position')).toBe(String(later));
    expect(now.rows.length).toBe(before.rows.length + 1);
    const again = await csv(`/v1/reports/account-statement?accountId=${a}&format=csv&position=${position}`);
    expect(again.bytes.equals(before.bytes)).toBe(true);
    const againPdf = await pdf(`/v1/reports/account-statement?accountId=${a}&position=${position}`);
    expect(printedHash(againPdf.text)).toBe(csvDataHash(before.bytes));
    const audit1 = await csv(`/v1/reports/audit-trail?format=csv&position=${position}`);
    const audit2 = await csv(`/v1/reports/audit-trail?format=csv&position=${position}`);
    expect(csvDataHash(audit1.bytes)).toBe(csvDataHash(audit2.bytes));
    expect(audit1.rows.length).toBe(position + 1);
  });

  it('audit trail: every event, chain verification on the first page', async () => {
    const { rows } = await csv('/v1/reports/audit-trail?format=csv');
    const events = await ledger.system.log.read(0, -1, 10_000);
    expect(rows.map((r) => r.hash)).toEqual(events.map((e) => e.hash));
    expect(rows.map((r) => Number(r.position))).toEqual(events.map((e) => e.position));
    const { file, pages, text } = await pdf('/v1/reports/audit-trail');
    expect(pdfText(file, 1)).toMatch(/Hash chain\s+VERIFIED: \d+ events/);
    expect(text).toContain(`Page ${pages} of ${pages}`);
    const typed = await csv(`/v1/reports/audit-trail?format=csv&type=TransferDebited&accountId=${a}`);
    expect(typed.rows.map((r) => r.amount)).toEqual(['12000.00']);
  });

  it('large transactions: default threshold 10,000.00 per currency, overridable', async () => {
    const { rows } = await csv('/v1/reports/large-transactions?format=csv');
    expect(rows.map((r) => [r.kind, r.amount, r.currency])).toEqual([
      ['deposit', '25000.00', 'USD'],
      ['deposit', '2000000', 'JPY'],
      ['transfer', '12000.00', 'USD'],
      ['withdrawal', '12030.25', 'USD'],
    ]);
    const jpyHigh = await csv('/v1/reports/large-transactions?format=csv&threshold=12001,JPY:5000000');
    expect(jpyHigh.rows.map((r) => r.amount)).toEqual(['25000.00', '12030.25']);
    const { text } = await pdf('/v1/reports/large-transactions');
    expect(text).toMatch(/USD: 3 transactions\s+49,030\.25 USD/);
    expect(text).toMatch(/JPY: 1 transaction\s+2,000,000 JPY/);
    expect(text).toMatch(/Threshold\s+10,000\.00 \(every currency\)/);
    const bad = await ledger.as().get('/v1/reports/large-transactions?threshold=lots');
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ field: string }>)[0]!.field).toBe('threshold');
  });

  it('trial balance: every GL account with debits and credits, debits = credits per currency, the conservation check kept', async () => {
    const { rows } = await csv('/v1/reports/trial-balance?format=csv');
    expect([...new Set(rows.map((r) => r.currency))]).toEqual(['JPY', 'USD']);
    for (const currency of ['JPY', 'USD']) {
      const mine = rows.filter((r) => r.currency === currency);
      const debits = mine.reduce((s, r) => s.plus(r.debits!), new Dec(0));
      const credits = mine.reduce((s, r) => s.plus(r.credits!), new Dec(0));
      expect(debits.eq(credits), currency).toBe(true);
      expect(mine.map((r) => r.gl_account)).toEqual(expect.arrayContaining([`settlement:cash:${currency}`, `suspense:${currency}`, `transit:${currency}`, `holds:${currency}`]));
    }
    // Customer accounts are liabilities: credit balances equal to the account balances (b is overdrawn: a debit balance).
    for (const id of [a, b]) {
      const balance = new Dec((await ledger.as().get(`/v1/accounts/${id}/balance`)).body.balance as string);
      const row = rows.find((r) => r.gl_account === `customer:${id}`)!;
      expect(row.class).toBe('liability');
      expect(new Dec(row.credits!).minus(row.debits!).eq(balance)).toBe(true);
    }
    expect(rows.find((r) => r.gl_account === 'settlement:wire:USD')).toMatchObject({ debits: '25000.00', credits: '0.00', balance_side: 'Dr' });
    expect(rows.find((r) => r.gl_account === 'transit:USD')).toMatchObject({ debits: '12000.00', credits: '12000.00', balance: '0.00' });
    const { text } = await pdf('/v1/reports/trial-balance');
    expect(text).toContain('BALANCED: debits equal credits in every currency');
    expect(text).toContain('CONSERVED: every difference is zero');
  });

  it('suspicious activity: the alerts fraud detection raised in the period, with their evidence; truthfully none before', async () => {
    const { rows, res } = await csv('/v1/reports/suspicious-activity?format=csv');
    expect(Number(res.headers.get('ledger-report-position'))).toBeGreaterThanOrEqual(position);
    const large = rows.filter((r) => r.rule === 'large_transaction');
    // the 25,000.00 deposit, the 12,000.00 transfer and the 12,030.25 withdrawal are at or above 10,000.00 USD
    expect(large.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((r) => r.evidence).join(' ')).toContain('25000.00');
    for (const r of rows) expect(() => JSON.parse(r.evidence!) as unknown).not.toThrow();
    const listed = await pdf('/v1/reports/suspicious-activity');
    expect(listed.text).toContain('large_transaction');
    const none = await pdf('/v1/reports/suspicious-activity?to=2000-01-01T00:00:00Z');
    expect(none.text).toContain('No alerts were raised in this period.');
    expect((await csv('/v1/reports/suspicious-activity?format=csv&to=2000-01-01T00:00:00Z')).rows).toEqual([]);
  });

  it('refuses bad input with problem+json before streaming', async () => {
    const admin = ledger.as();
    expectProblem(await admin.get('/v1/reports/account-statement?accountId=nobody'), 404, 'account_not_found');
    expectProblem(await admin.get(`/v1/reports/account-statement?accountId=${a}&from=yesterday`), 400, 'validation_failed', 'from');
    expectProblem(await admin.get('/v1/reports/account-statement'), 400, 'validation_failed', 'accountId');
    expect((await admin.get('/v1/reports/audit-trail?format=xlsx')).status).toBe(400);
    expectProblem(await admin.get('/v1/reports/audit-trail?position=99999999'), 409, 'read_model_behind');
  });

  it('filters a statement by period: opening balance from before the period', async () => {
    const { rows } = await csv(`/v1/reports/account-statement?accountId=${a}&format=csv&to=2000-01-01`);
    expect(rows).toEqual([]);
    const empty = await pdf(`/v1/reports/account-statement?accountId=${a}&from=2999-01-01`);
    expect(empty.pages).toBe(1);
    expect(empty.text).toContain('No entries in this period.');
    expect(empty.text).toMatch(/Opening balance\s+\S+ USD/);
  });

  it.runIf(backend === 'postgres')('ledger report writes PDF and CSV files from the CLI', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));
    const run = promisify(execFile);
    // The CLI reads the log the service uses: here the embedded one, whatever KAFKA_BROKERS the suite runs with.
    const env = { ...process.env, DATABASE_URL: ledger.url!, KAFKA_BROKERS: '', LOG_LEVEL: 'silent' };
    const results = [];
    for (const format of ['pdf', 'csv']) {
      const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'report', 'account-statement', '--account', a, '--to', '2999-12-31', '--format', format, '--out', out], { env });
      results.push(JSON.parse(stdout.trim().split('\n').pop()!) as { file: string; rows: number; dataSha256: string });
    }
    expect(readdirSync(out).length).toBe(2);
    expect(results[0]!.dataSha256).toBe(results[1]!.dataSha256);
    expect(csvDataHash(readFileSync(results[1]!.file))).toBe(results[1]!.dataSha256);
    expect(printedHash(pdfText(results[0]!.file))).toBe(results[0]!.dataSha256);
    await expect(run('npx', ['tsx', 'src/cli/main.ts', 'report', 'account-statement', '--account', 'nobody', '--out', out], { env })).rejects.toMatchObject({ code: 3 });
  }, 180_000); // three CLI processes, each compiling with tsx: ~20 s apiece on a loaded 2-core machine
});
