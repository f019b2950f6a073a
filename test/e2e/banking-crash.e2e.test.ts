import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, remoteClient } from '../support/harness.ts';
import { createTestDatabase } from '../support/pg.ts';
import { freePort, killHard, runLedger, spawnLedger, waitForHttp } from '../support/process.ts';

/**
 * kill -9 with a hold pending, a hold whose expiry falls due while the service is down, and an
 * atomic batch in flight; restart, retry the batch under its key, and check: the batch landed whole
 * or not at all and once, the due hold expired exactly once, the pending hold still holds, and
 * `ledger verify` passes.
 */
describe('crash safety of holds and batches on PostgreSQL', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps holds, expires the due one once and lands a batch all or nothing across kill -9', async () => {
    const db = await createTestDatabase('ledger_bank_crash');
    cleanups.push(db.drop);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: '', PORT: String(port), HOST: '127.0.0.1', LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN };
    let server = spawnLedger(['serve'], env);
    cleanups.push(() => killHard(server));
    await waitForHttp(`${base}/readyz`);
    const api = remoteClient(base);

    const open = async (deposit: string) => {
      const id = (await api.post('/v1/accounts', { currency: 'USD' })).body.id as string;
      await api.post(`/v1/accounts/${id}/deposits`, { amount: deposit });
      return id;
    };
    const a = await open('1000.00');
    const b = await open('0.01');
    const pending = (await api.post('/v1/holds', { accountId: a, amount: '100.00', counterpartyAccountId: b })).body.id as string;
    const expiring = (await api.post('/v1/holds', { accountId: a, amount: '50.00', timeoutSeconds: 2 })).body.id as string;

    const batch = { mode: 'atomic', items: Array.from({ length: 500 }, () => ({ type: 'transfer', fromAccountId: a, toAccountId: b, amount: '1.00' })) };
    const key = { 'idempotency-key': 'crash-batch' };
    const inFlight = api.post('/v1/batches', batch, key).catch(() => null);
    await new Promise((r) => setTimeout(r, 30));
    await killHard(server);
    await inFlight;
    await new Promise((r) => setTimeout(r, 2500)); // the expiry falls due while nothing runs

    server = spawnLedger(['serve'], env);
    cleanups.push(() => killHard(server));
    // Ready once it is the writer: on a PostgreSQL server, after the killed writer's lease expired.
    await waitForHttp(`${base}/readyz`);
    const retried = await api.post('/v1/batches', batch, key);
    expect(retried.status).toBe(201);
    expect(retried.body.accepted).toBe(500);

    let expired = '';
    for (let i = 0; i < 60 && expired !== 'expired'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expired = ((await api.get(`/v1/holds/${expiring}`)).body.status as string | undefined) ?? '';
    }
    expect(expired).toBe('expired');
    const last = await api.post(`/v1/accounts/${b}/deposits`, { amount: '0.01' });
    let account = await api.get(`/v1/accounts/${a}?minPosition=${last.body.position as number}`);
    for (let i = 0; i < 30 && account.status !== 200; i++) account = await api.get(`/v1/accounts/${a}?minPosition=${last.body.position as number}`);
    expect(account.body).toMatchObject({ balance: '500.00', held: '100.00', available: '400.00' });
    expect((await api.get(`/v1/holds/${pending}`)).body).toMatchObject({ status: 'active', remaining: '100.00' });
    await killHard(server);

    const verify = await runLedger(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const counts = await sql<{ type: string; n: number }[]>`select type, count(*)::int as n from events where type in ('HoldExpired', 'BatchExecuted', 'TransferDebited') group by type order by type`;
      expect(counts).toEqual([
        { type: 'BatchExecuted', n: 1 },
        { type: 'HoldExpired', n: 1 },
        { type: 'TransferDebited', n: 500 },
      ]);
    } finally {
      await sql.end();
    }
  }, 240_000);
});
