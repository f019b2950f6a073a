import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killHard, runLedger, spawnLedger, waitForHttp } from '../support/process.ts';
import { BACKENDS, createTestDatabase } from '../support/pg.ts';
import { csvDataHash, parseCsv, pdfText } from '../support/reports.ts';

const TOKEN = 'report-cli-bootstrap-token-0123456789';
/** Left out of the child's environment (spawn skips undefined values): the embedded default, no remote. */
const UNSET = undefined as unknown as string;

/**
 * `ledger report` while the service runs on the embedded default: the data directory is locked, so
 * the CLI says how to ask the service instead, and with --url and --key it does.
 */
describe('ledger report beside a running service (embedded default)', () => {
  let service: ChildProcess & { output: () => string };
  let url: string;
  let dataDir: string;
  let out: string;
  let account: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-report-cli-'));
    out = path.join(dataDir, 'reports');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = spawnLedger(['serve'], { PORT: String(port), HOST: '127.0.0.1', LEDGER_DATA_DIR: dataDir, LEDGER_BOOTSTRAP_TOKEN: TOKEN, DATABASE_URL: UNSET, KAFKA_BROKERS: UNSET });
    await waitForHttp(`${url}/healthz`, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}; the service said:\n${service.output()}`);
    });
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const opened = (await (await fetch(`${url}/v1/accounts`, { method: 'POST', headers, body: JSON.stringify({ currency: 'EUR', ownerId: 'Мария' }) })).json()) as { id: string };
    account = opened.id;
    const deposit = await fetch(`${url}/v1/accounts/${account}/deposits`, { method: 'POST', headers, body: JSON.stringify({ amount: '12.34', reference: 'first' }) });
    expect(deposit.status).toBe(201);
  }, 180_000);
  afterAll(async () => {
    if (service) await killHard(service);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ LEDGER_DATA_DIR: dataDir, DATABASE_URL: UNSET, KAFKA_BROKERS: UNSET, LEDGER_URL: UNSET, LEDGER_API_KEY: UNSET });

  it('without --url: refuses (the directory is locked) and says how to ask the service', async () => {
    const r = await runLedger(['report', 'trial-balance', '--out', out], env());
    expect(r.code).toBe(4);
    expect(r.output).toContain('is in use by process');
    expect(r.output).toContain('--url http://HOST:PORT --key API_KEY');
  }, 120_000);

  it('with --url and --key: the report from the service, the file the service names, the same data hash as the manifest', async () => {
    const csv = await runLedger(['report', 'account-statement', '--account', account, '--format', 'csv', '--out', out, '--url', url, '--key', TOKEN], env());
    expect(csv.code, csv.output).toBe(0);
    const summary = JSON.parse(csv.output.trim().split('\n').pop()!) as { file: string; rows: number; dataSha256: string; position: string };
    expect(path.basename(summary.file)).toMatch(/^account-statement_.*\.csv$/);
    expect(summary.rows).toBe(1);
    const bytes = readFileSync(summary.file);
    expect(parseCsv(bytes).map((r) => [r.kind, r.amount_in])).toEqual([['deposit', '12.34']]);
    expect(summary.dataSha256).toBe(csvDataHash(bytes));

    const manifest = await runLedger(['report', 'account-statement', '--account', account, '--format', 'manifest', '--out', out, '--url', url, '--key', TOKEN], env());
    expect(manifest.code, manifest.output).toBe(0);
    const m = JSON.parse(manifest.output.trim().split('\n').pop()!) as { file: string; dataSha256: string };
    expect(m.file.endsWith('.manifest.json')).toBe(true);
    expect(m.dataSha256).toBe(summary.dataSha256);

    const pdf = await runLedger(['report', 'owner-activity', '--owner', 'Мария', '--out', out, '--url', url, '--key', TOKEN], env());
    expect(pdf.code, pdf.output).toBe(0);
    const file = (JSON.parse(pdf.output.trim().split('\n').pop()!) as { file: string }).file;
    expect(existsSync(file)).toBe(true);
    expect(pdfText(file)).toContain('Мария');
  }, 180_000);

  it('with --url: a refusal prints the problem and exits like a local refusal', async () => {
    const missing = await runLedger(['report', 'account-statement', '--account', 'nobody', '--url', url, '--key', TOKEN, '--out', out], env());
    expect(missing.code).toBe(3);
    expect(missing.output).toContain('account_not_found');
    const badKey = await runLedger(['report', 'trial-balance', '--url', url, '--key', 'wrong-key-wrong-key', '--out', out], env());
    expect(badKey.code).toBe(2);
    const noKey = await runLedger(['report', 'trial-balance', '--url', url, '--out', out], env());
    expect(noKey.code).toBe(2);
    expect(noKey.output).toContain('--url needs --key');
  }, 120_000);
});

/** `ledger report` with DATABASE_URL while a service runs on the same PostgreSQL database: no lock, both at work. */
describe.skipIf(!BACKENDS.includes('postgres'))('ledger report beside a running service (PostgreSQL)', () => {
  let service: ChildProcess & { output: () => string };
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('ledger_report_cli');
    dir = mkdtempSync(path.join(tmpdir(), 'ledger-report-cli-pg-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    service = spawnLedger(['serve'], { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: db.url, LEDGER_DATA_DIR: dir, LEDGER_BOOTSTRAP_TOKEN: TOKEN, KAFKA_BROKERS: UNSET });
    await waitForHttp(`${url}/healthz`, 120_000).catch((err: Error) => {
      throw new Error(`${err.message}; the service said:\n${service.output()}`);
    });
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const opened = (await (await fetch(`${url}/v1/accounts`, { method: 'POST', headers, body: JSON.stringify({ currency: 'USD' }) })).json()) as { id: string };
    expect((await fetch(`${url}/v1/accounts/${opened.id}/deposits`, { method: 'POST', headers, body: JSON.stringify({ amount: '7.00', channel: 'cash' }) })).status).toBe(201);
  }, 180_000);
  afterAll(async () => {
    if (service) await killHard(service);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the same database as the service, which keeps running', async () => {
    const out = path.join(dir, 'reports');
    const r = await runLedger(['report', 'trial-balance', '--format', 'csv', '--out', out], { DATABASE_URL: db.url, LEDGER_DATA_DIR: dir, KAFKA_BROKERS: UNSET, LEDGER_URL: UNSET, LEDGER_API_KEY: UNSET });
    expect(r.code, r.output).toBe(0);
    const file = (JSON.parse(r.output.trim().split('\n').pop()!) as { file: string }).file;
    const rows = parseCsv(readFileSync(file));
    expect(rows.find((row) => row.gl_account === 'settlement:cash:USD')?.debits).toBe('7.00');
    expect(service.exitCode).toBeNull();
  }, 120_000);
});
