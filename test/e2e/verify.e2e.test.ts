import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { BACKENDS, createTestDatabase } from '../support/pg.ts';
import { ROOT } from '../support/process.ts';

type Run = { code: number; stdout: string; stderr: string };
const ledger = async (args: string[], env: Record<string, string>): Promise<Run> => {
  const { DATABASE_URL: _db, KAFKA_BROKERS: _kafka, LEDGER_DATA_DIR: _dir, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/ledger.mjs', ...args], { cwd: ROOT, env: { ...inherited, LOG_LEVEL: 'warn', ...env }, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Run;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** `ledger verify` compares every read model with a replay of the log, says what differs and exits 3 for it. */
describe.each(BACKENDS)('ledger verify (%s)', (backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('passes on a consistent ledger (exit 0); names a tampered alert (exit 3) and balance (exit 1)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-verify-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = { LEDGER_DATA_DIR: dataDir };
    if (backend === 'postgres') {
      const created = await createTestDatabase();
      cleanups.push(created.drop);
      env.DATABASE_URL = created.url;
    }
    const demo = await ledger(['demo', '--fraud', '--accounts', '20', '--per-rule', '1'], env);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).not.toContain('"msg":"request"'); // quiet by default: a summary, no request log

    const clean = await ledger(['verify'], env);
    expect(clean.code, clean.stderr).toBe(0);
    const report = JSON.parse(clean.stdout) as { ok: boolean; readModels: { projections: Array<{ projection: string; ok: boolean; tables: number }> } };
    expect(report.ok).toBe(true);
    expect(report.readModels.projections.map((p) => p.projection)).toEqual(['ledger', 'audit', 'anomaly', 'general-ledger', 'idempotency']);

    const tamper = async (statement: string) => {
      const database = await openDatabase({ url: env.DATABASE_URL ?? null, dataDir: env.DATABASE_URL ? null : dataDir });
      try {
        await database.db.execute(sql.raw(statement));
      } finally {
        await database.close();
      }
    };
    await tamper("update alerts set status = 'dismissed' where id = (select min(id) from alerts)");
    const alert = await ledger(['verify'], env);
    expect(alert.code, alert.stderr).toBe(3); // the log holds; a read model differs from its replay
    expect(alert.stderr).toMatch(/^read model anomaly, table alerts: (\d+) rows, \1 in the replay$/m);
    expect(alert.stderr).toMatch(/^ {2}only in the read model: .*"status": "dismissed"/m);
    expect(alert.stderr).toMatch(/^ {2}only in the replay: {5}.*"status": "open"/m);

    await tamper('update balances set balance = balance + 1 where account_id = (select min(account_id) from balances)');
    const balance = await ledger(['verify'], env);
    expect(balance.code, balance.stderr).toBe(1); // a balance differs from the domain's own replay
    expect(balance.stderr).toMatch(/^balance of \S+: the log says/m);
    expect(balance.stderr).toMatch(/^read model ledger, table balances: /m);
  }, 300_000);
});
