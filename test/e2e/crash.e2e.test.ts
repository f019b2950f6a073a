import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.ts';
import { ADMIN_TOKEN, remoteClient } from '../support/harness.ts';
import { type Backend, BACKENDS, createTestDatabase } from '../support/pg.ts';
import { freePort, killHard, runLedger, spawnLedger, waitForHttp } from '../support/process.ts';

/**
 * kill -9 the service in the middle of a load of deposits, withdrawals and transfers, restart it,
 * retry every request whose answer was lost with the same Idempotency-Key, and check:
 * every 201 a client saw is in the read models, nothing is applied twice, and `ledger verify`
 * (hash chain + balances vs a replay of the log) passes.
 */
describe.each(BACKENDS)('crash safety on %s', (backend: Backend) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('loses no acknowledged command and applies none twice across kill -9', async () => {
    let env: Record<string, string>;
    if (backend === 'postgres') {
      const db = await createTestDatabase('ledger_crash');
      cleanups.push(db.drop);
      env = { DATABASE_URL: db.url };
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'ledger-crash-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      env = { LEDGER_DATA_DIR: dir };
    }
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // KAFKA_BROKERS emptied: the embedded log under test, even when the suite runs with a broker configured.
    env = { ...env, KAFKA_BROKERS: '', PORT: String(port), HOST: '127.0.0.1', LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN };
    let server = spawnLedger(['serve'], env);
    cleanups.push(() => killHard(server));
    await waitForHttp(`${base}/readyz`);

    const api = remoteClient(base);
    const post = (p: string, body: unknown, key: string) => api.post(p, body, { 'idempotency-key': key });

    const ACCOUNTS = 8;
    const ids: string[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const r = await post('/v1/accounts', { currency: 'USD', overdraftLimit: '100.00' }, `open-${i}`);
      ids.push(r.body.id as string);
    }

    // Every request has a key; we remember what we sent and what we heard back.
    type Req = { key: string; path: string; body: unknown; status?: number; transactionId?: string };
    const sent: Req[] = [];
    let n = 0;
    const nextRequest = (): Req => {
      const i = n++;
      const a = ids[i % ACCOUNTS]!;
      const b = ids[(i * 7 + 3) % ACCOUNTS]!;
      const kind = i % 3;
      if (kind === 0) return { key: `k${i}`, path: `/v1/accounts/${a}/deposits`, body: { amount: '10.00' } };
      if (kind === 1) return { key: `k${i}`, path: `/v1/accounts/${a}/withdrawals`, body: { amount: '3.00' } };
      return { key: `k${i}`, path: '/v1/transfers', body: { fromAccountId: a, toAccountId: a === b ? ids[(i + 1) % ACCOUNTS]! : b, amount: '2.50' } };
    };

    let stop = false;
    const worker = async () => {
      while (!stop) {
        const req = nextRequest();
        sent.push(req);
        try {
          const res = await post(req.path, req.body, req.key);
          req.status = res.status;
          req.transactionId = res.body.transactionId as string | undefined;
        } catch {
          // connection reset by the kill: outcome unknown to the client
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await new Promise((r) => setTimeout(r, 2500));
    await killHard(server);
    stop = true;
    await Promise.all(workers);
    const acked = sent.filter((r) => r.status === 201);
    expect(acked.length).toBeGreaterThan(10);

    server = spawnLedger(['serve'], env);
    cleanups.push(() => killHard(server));
    // Ready once it is the writer: on a PostgreSQL server, after the killed writer's lease expired.
    await waitForHttp(`${base}/readyz`);

    // Retry everything whose answer was lost; an acknowledged one must replay the same transaction.
    for (const req of sent) {
      const res = await post(req.path, req.body, req.key);
      // A 503 (log unavailable, request timeout) promises nothing either way: like a lost answer, the retry decides.
      const unknown = req.status === undefined || req.status === 503;
      if (req.status === 201) expect(res.body.transactionId).toBe(req.transactionId);
      else if (!unknown) expect(res.status).toBe(req.status);
      else expect([201, 422]).toContain(res.status);
      req.status = res.status;
      req.transactionId = res.body.transactionId as string | undefined;
    }
    const last = await post(`/v1/accounts/${ids[0]}/deposits`, { amount: '0.01' }, 'final');
    // Read-your-writes: the read models reach the last position (a 409 means not yet; keep asking).
    let caughtUp = 0;
    for (let i = 0; i < 30 && caughtUp !== 200; i++) {
      caughtUp = (await api.get(`/v1/accounts/${ids[0]}?minPosition=${last.body.position as number}`)).status;
    }
    expect(caughtUp).toBe(200);
    await killHard(server);

    // Now inspect the data at rest with the CLI and SQL.
    const verify = await runLedger(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
    const report = JSON.parse(verify.output.slice(verify.output.indexOf('{'))) as { ok: boolean; events: number };
    expect(report.ok).toBe(true);

    if (backend === 'postgres') {
      const sql = postgres(env.DATABASE_URL!, { max: 1, onnotice: () => {} });
      try {
        const applied = new Set((await sql<{ id: string }[]>`select id from transactions`).map((r) => r.id));
        for (const req of sent.filter((r) => r.status === 201)) expect(applied.has(req.transactionId!)).toBe(true);
        const perCommand = await sql<{ n: number }[]>`select count(*)::int as n from events group by metadata->>'commandId' having count(*) > 2`;
        expect(perCommand).toEqual([]);
        const { total } = (await sql<{ total: string }[]>`select coalesce(sum(balance), 0)::text as total from balances`)[0]!;
        const { net } = (await sql<{ net: string }[]>`
          select coalesce(sum(case when type = 'FundsDeposited' then (data->>'amount')::numeric else -(data->>'amount')::numeric end), 0)::text as net
          from events where type in ('FundsDeposited', 'FundsWithdrawn')`)[0]!;
        expect(new Dec(total).eq(new Dec(net)), `${total} vs ${net}`).toBe(true);
        const deposits = sent.filter((r) => r.status === 201 && r.path.endsWith('/deposits')).length;
        const withdrawals = sent.filter((r) => r.status === 201 && r.path.endsWith('/withdrawals')).length;
        const { d, w } = (await sql<{ d: number; w: number }[]>`
          select count(*) filter (where type = 'FundsDeposited')::int as d, count(*) filter (where type = 'FundsWithdrawn')::int as w from events`)[0]!;
        expect(d).toBe(deposits + 1);
        expect(w).toBe(withdrawals);
      } finally {
        await sql.end();
      }
    }
  }, 240_000);
});
