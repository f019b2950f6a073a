import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.ts';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';
import { expectProblem } from '../support/problems.ts';
import { type Csv, csvDataHash, parseCsv, pdfText, printedHash, saveTemp } from '../support/reports.ts';

describe.each(BACKENDS)('general-ledger detail and owner activity reports on %s', (backend) => {
  let ledger: TestLedger;
  let a: string;
  let b: string;
  let other: string;

  async function csv(p: string): Promise<Csv> {
    const res = await ledger.as().fetch(p);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status, bytes.toString()).toBe(200);
    return parseCsv(bytes);
  }
  async function pdf(p: string): Promise<string> {
    const res = await ledger.as().fetch(p);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    return pdfText(saveTemp(Buffer.from(await res.arrayBuffer()), 'pdf'));
  }

  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    const admin = ledger.as();
    a = await ledger.openAccount({ ownerId: 'owner-42' });
    b = await ledger.openAccount({ ownerId: 'owner-42', currency: 'EUR' });
    other = await ledger.openAccount({ ownerId: 'someone-else' });
    created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '300.00', channel: 'wire' }));
    created(await admin.post(`/v1/accounts/${other}/deposits`, { amount: '50.00', channel: 'wire' }));
    created(await admin.post(`/v1/accounts/${b}/deposits`, { amount: '80.00', channel: 'card' }));
    created(await admin.post(`/v1/accounts/${a}/withdrawals`, { amount: '20.00', channel: 'cash' }));
    created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: other, amount: '30.00' }));
    // Large enough for an alert: the suspicious-activity report has a row.
    created(await admin.post(`/v1/accounts/${other}/deposits`, { amount: '15000.00', channel: 'check' }));
    await ledger.catchUp();
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('general-ledger detail: every posting of a GL account with its event, transaction and running balance', async () => {
    const wire = await csv('/v1/reports/general-ledger-detail?glAccount=settlement:wire:USD&format=csv');
    expect(wire.map((r) => [r.event_type, r.debit, r.credit, r.balance])).toEqual([
      ['FundsDeposited', '300.00', '', '300.00'],
      ['FundsDeposited', '50.00', '', '350.00'],
    ]);
    for (const r of wire) expect(r.event_id).toMatch(/^[0-9a-f-]{36}$/);
    const customer = await csv(`/v1/reports/general-ledger-detail?glAccount=customer:${a}&format=csv`);
    expect(customer.map((r) => r.event_type)).toEqual(['FundsDeposited', 'FundsWithdrawn', 'TransferDebited']);
    const balance = (await ledger.as().get(`/v1/accounts/${a}/balance`)).body.balance as string;
    expect(customer[customer.length - 1]!.balance).toBe(balance);
    const text = await pdf(`/v1/reports/general-ledger-detail?glAccount=customer:${a}`);
    expect(text).toContain('liability (normal balance: credit)');
    expect(text).toMatch(/Closing balance\s+250\.00 USD Cr/);
    // After the period: nothing, and the opening balance carries everything.
    expect(await csv(`/v1/reports/general-ledger-detail?glAccount=customer:${a}&format=csv&from=2999-01-01`)).toEqual([]);
  });

  it('general-ledger detail refuses an unknown or malformed GL account with problem+json', async () => {
    expectProblem(await ledger.as().get('/v1/reports/general-ledger-detail?glAccount=settlement:wire:XXX'), 404, 'account_not_found');
    expect((await ledger.as().get('/v1/reports/general-ledger-detail?glAccount=a%20b')).status).toBe(400);
  });

  it('owner activity: every entry of every account of the owner, and only theirs, with totals per currency', async () => {
    const rows = await csv('/v1/reports/owner-activity?ownerId=owner-42&format=csv');
    expect(new Set(rows.map((r) => r.account_id))).toEqual(new Set([a, b]));
    expect(rows).toHaveLength(4);
    const usdIn = rows.filter((r) => r.currency === 'USD').reduce((s, r) => s.plus(r.amount_in || '0'), new Dec(0));
    expect(usdIn.toFixed(2)).toBe('300.00');
    const text = await pdf('/v1/reports/owner-activity?ownerId=owner-42');
    expect(text).toMatch(/In EUR\s+80\.00 EUR/);
    expect(text).toMatch(/Out USD\s+50\.00 USD/);
    expectProblem(await ledger.as().get('/v1/reports/owner-activity?ownerId=nobody'), 404, 'account_not_found');
  });

  it('prints every id and hash in full on every PDF report (pdftotext finds them)', async () => {
    const shown: Array<[string, string[]]> = [
      [`/v1/reports/account-statement?accountId=${a}`, ['counterparty_account_id', 'transaction_id']],
      ['/v1/reports/audit-trail', ['account_id', 'command_id', 'hash']],
      ['/v1/reports/large-transactions?threshold=1', ['transaction_id', 'from_account_id', 'to_account_id']],
      [`/v1/reports/general-ledger-detail?glAccount=customer:${a}`, ['transaction_id', 'event_id']],
      ['/v1/reports/owner-activity?ownerId=owner-42', ['account_id', 'transaction_id', 'counterparty_account_id']],
      ['/v1/reports/trial-balance', ['gl_account']],
      ['/v1/reports/suspicious-activity', ['alert_id', 'account_id']],
    ];
    for (const [url, columns] of shown) {
      const rows = await csv(`${url}${url.includes('?') ? '&' : '?'}format=csv`);
      // An alert's stream id (rule-<event id>, ~53 characters) is wider than the audit trail's Account column:
      // the PDF prints it on two lines (the detector's AlertRaised events put alert streams in the trail).
      const ids = rows
        .filter((r) => !(url === '/v1/reports/audit-trail' && r.type?.startsWith('Alert')))
        .flatMap((r) => columns.map((c) => r[c]!))
        .filter((v) => v !== '');
      expect(ids.length, url).toBeGreaterThan(0);
      const text = await pdf(url);
      for (const id of new Set(ids)) expect(text, `${url}: ${id}`).toContain(id);
    }
  });

  it('answers ?format=manifest for every report: parameters, position, row count and the CSV data rows\' hash', async () => {
    for (const url of [`/v1/reports/account-statement?accountId=${a}`, '/v1/reports/audit-trail', '/v1/reports/large-transactions?threshold=1', '/v1/reports/suspicious-activity', '/v1/reports/trial-balance', `/v1/reports/general-ledger-detail?glAccount=customer:${a}`, '/v1/reports/owner-activity?ownerId=owner-42']) {
      const sep = url.includes('?') ? '&' : '?';
      const res = await ledger.as().get(`${url}${sep}format=manifest`);
      expect(res.status, url).toBe(200);
      const manifest = res.body as { report: string; parameters: Record<string, unknown>; position: string; rowCount: number; dataSha256: string; softwareVersion: string; generatedAt: string };
      const csvRes = await ledger.as().fetch(`${url}${sep}format=csv`);
      const bytes = Buffer.from(await csvRes.arrayBuffer());
      expect(manifest.dataSha256, url).toBe(csvDataHash(bytes));
      expect(manifest.rowCount).toBe(parseCsv(bytes).length);
      expect(manifest.position).toBe(csvRes.headers.get('ledger-report-position'));
      expect(manifest.report).toBe(url.replace(/^\/v1\/reports\//, '').replace(/\?.*$/, ''));
      expect(manifest.softwareVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(Date.parse(manifest.generatedAt)).not.toBeNaN();
      expect(manifest.parameters.format).toBeUndefined();
    }
    const owner = (await ledger.as().get('/v1/reports/owner-activity?ownerId=owner-42&format=manifest')).body as { parameters: Record<string, unknown>; dataSha256: string; softwareVersion: string; position: string };
    expect(owner.parameters).toMatchObject({ ownerId: 'owner-42' });
    // The PDF's last page prints the same manifest.
    const text = await pdf('/v1/reports/owner-activity?ownerId=owner-42');
    expect(printedHash(text)).toBe(owner.dataSha256);
    expect(text).toContain(`Manifest: report owner-activity · log position ${owner.position}`);
    expect(text).toContain(`ledger ${owner.softwareVersion}`);
    expect(text).toContain('Parameters: {"ownerId":"owner-42"}');
  });

  it('names actors beside their ids in the audit trail: the key\'s name, the bootstrap token', async () => {
    const teller = await ledger.key('teller');
    created(await ledger.as({ token: teller.token }).post(`/v1/accounts/${other}/deposits`, { amount: '1.00', channel: 'cash' }));
    await ledger.catchUp();
    const rows = await csv('/v1/reports/audit-trail?format=csv');
    expect(rows.find((r) => r.actor === `key:${teller.id}`)?.actor_name).toBe('teller key');
    expect(rows.find((r) => r.actor === 'key:bootstrap')?.actor_name).toBe('bootstrap');
    const text = await pdf('/v1/reports/audit-trail');
    expect(text).toContain('teller key');
    expect(text).toContain(`key:${teller.id}`);
  });

  it.runIf(backend === 'postgres')('ledger report writes both new reports from the CLI', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: ledger.url!, KAFKA_BROKERS: '', LOG_LEVEL: 'silent' };
    for (const args of [['general-ledger-detail', '--gl-account', 'settlement:wire:USD'], ['owner-activity', '--owner', 'owner-42']]) {
      const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'report', ...args, '--format', 'csv', '--out', out], { env });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as { file: string; rows: number; dataSha256: string };
      expect(result.rows).toBe(args[0] === 'owner-activity' ? 4 : 2);
      expect(csvDataHash(readFileSync(result.file))).toBe(result.dataSha256);
      const manifest = await run('npx', ['tsx', 'src/cli/main.ts', 'report', ...args, '--format', 'manifest', '--out', out], { env });
      const written = JSON.parse(readFileSync((JSON.parse(manifest.stdout.trim().split('\n').pop()!) as { file: string }).file, 'utf8')) as { dataSha256: string; rowCount: number };
      expect(written).toMatchObject({ dataSha256: result.dataSha256, rowCount: result.rows });
    }
  });
});
