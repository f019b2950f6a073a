import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { resetProjection } from '../../src/projections/checkpoints.ts';
import { projections } from '../../src/read-models/registry.ts';
import { type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';

type Body = Record<string, unknown>;

/**
 * A rebuild (what `ledger rebuild` does: empty every read model's tables, forget the checkpoints,
 * replay the log) after a history with every banking command: holds captured, voided, expired and
 * still active, reversals, atomic and independent batches, a frozen account keeping its hold. Every
 * read-model table (holds, balances with held, journal, transactions, the general ledger, audit,
 * alerts) is the same, row for row, and so are the balances the API shows.
 */
describe.each(await logBackends())('rebuilding the read models after holds, reversals and batches on %s', (backend) => {
  let ledger: TestLedger;
  const skew = { ms: 0 };
  beforeAll(async () => {
    ledger = await startTestLedger(backend, {}, { clock: () => new Date(Date.now() + skew.ms) });
  });
  afterAll(async () => {
    await ledger?.close();
  });

  const post = async (path: string, body: unknown = {}) => {
    const res = await ledger.as().post(path, body);
    expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };

  /** Every row of every read-model table, in a stable order. */
  async function dump(): Promise<Record<string, string[]>> {
    await ledger.catchUp();
    const out: Record<string, string[]> = {};
    for (const projection of projections(ledger.system.readModels)) {
      for (const table of projection.tables) {
        const rows = rowsOf<Body>(await ledger.database.db.execute(sql.raw(`select * from "${table}"`)));
        out[table] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
      }
    }
    return out;
  }

  async function history(): Promise<string[]> {
    const a = await ledger.openAccount({ deposit: '1000.00', overdraftLimit: '100.00', ownerId: 'rebuild-owner' });
    const b = await ledger.openAccount({ ownerId: 'rebuild-owner' });
    const c = await ledger.openAccount({ deposit: '50.00' });
    const partly = (await post('/v1/holds', { accountId: a, amount: '300.00', counterpartyAccountId: b, reference: 'card auth' })).id as string;
    const capture = await post(`/v1/holds/${partly}/capture`, { amount: '120.00' });
    await post(`/v1/holds/${partly}/void`, { reason: 'rest released' });
    const whole = (await post('/v1/holds', { accountId: a, amount: '80.00' })).id as string;
    await post(`/v1/holds/${whole}/capture`);
    await post('/v1/holds', { accountId: a, amount: '70.00', counterpartyAccountId: c, timeoutSeconds: 86_400 });
    const expiring = (await post('/v1/holds', { accountId: a, amount: '40.00', timeoutSeconds: 60 })).id as string;
    const transfer = await post('/v1/transfers', { fromAccountId: a, toAccountId: c, amount: '25.00' });
    await post(`/v1/transactions/${transfer.transactionId as string}/reversals`, { amount: '10.00', reason: 'partial refund' });
    await post(`/v1/transactions/${capture.transactionId as string}/reversals`, { reason: 'chargeback' });
    await post('/v1/batches', {
      mode: 'atomic',
      items: [
        { type: 'deposit', accountId: b, amount: '5.00', channel: 'cash' },
        { type: 'hold', holdId: `rb-${a}`, accountId: b, amount: '5.00', counterpartyAccountId: c },
        { type: 'capture', holdId: `rb-${a}`, amount: '2.00' },
        { type: 'withdrawal', accountId: c, amount: '1.00' },
      ],
    });
    await post('/v1/batches', { mode: 'independent', items: [{ type: 'transfer', fromAccountId: c, toAccountId: a, amount: '3.00' }, { type: 'transfer', fromAccountId: b, toAccountId: a, amount: '999.00' }] });
    await ledger.catchUp(); // the freeze is projected on its own here, and with the earlier events in the rebuild
    await post(`/v1/accounts/${c}/freeze`, { reason: 'review' });
    skew.ms += 61_000; // the engine expires the 60-second hold on its next look
    for (let i = 0; i < 100; i++) {
      await ledger.catchUp();
      if ((await ledger.as().get(`/v1/holds/${expiring}`)).body.status === 'expired') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await ledger.as().get(`/v1/holds/${expiring}`)).body.status).toBe('expired');
    return [a, b, c];
  }

  it('rebuilds holds, balances with held and available, journals and the general ledger row for row', async () => {
    const ids = await history();
    const before = await dump();
    expect(before.holds).toHaveLength(5);
    expect(before.gl_postings!.length).toBeGreaterThan(0);
    const views = async () => Promise.all(ids.map(async (id) => (await ledger.as().get(`/v1/accounts/${id}`)).body));
    const shown = await views();
    expect(shown.map((v) => [v.balance, v.held, v.available, v.status])).toEqual([
      ['908.00', '70.00', '938.00', 'open'], // 1000 − 120 − 80 − 25 + 10 + 120 + 3, 70 held, +100 overdraft
      ['3.00', '3.00', '0.00', 'open'], // 120 − 120 + 5 − 2: 3 of 5 still held
      ['63.00', '0.00', '0.00', 'frozen'], // 50 + 25 − 10 + 2 − 1 − 3; frozen: nothing available
    ]);

    await ledger.restart(async (stopped) => {
      for (const projection of projections(stopped.readModels)) await resetProjection(ledger.database.db, projection);
    });
    const after = await dump();
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
    expect(await views()).toEqual(shown);
    const owner = await ledger.as().get('/v1/owners/rebuild-owner');
    expect(owner.body.totals).toEqual([{ currency: 'USD', accounts: 2, balance: '911.00', held: '73.00' }]);
  });
});
