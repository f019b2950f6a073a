import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareReadModels } from '../../src/verify/compare-read-models.ts';
import { readModels } from '../../src/read-models/registry.ts';
import { FraudConfig } from '../../src/domain/fraud/config.ts';
import { type Reply, type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';

/**
 * The engine keeps at most 10 idempotency keys in memory (LEDGER_IDEMPOTENCY_MEMORY=10): after 200
 * commands, the first 50 keys are answered from the idempotency read model's table exactly as from
 * memory — the first result again (Idempotent-Replayed), a conflict for another body, the same
 * refusal — before and after a restart, and the table equals a replay of the log (`ledger verify`).
 */
describe.each(await logBackends())('idempotency keys beyond the in-memory bound on %s', (backend) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger(backend, { LEDGER_IDEMPOTENCY_MEMORY: '10' });
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('answers the first 50 of 200 keys from the table, the same before and after a restart; nothing is applied twice', async () => {
    const a = await ledger.openAccount({ deposit: '1000.00' });
    // Every fifth key a withdrawal refused for insufficient funds (a remembered refusal), the others deposits of 1.00.
    const send = (i: number, other = false): Promise<Reply> => {
      const key = { 'Idempotency-Key': `k-${i}` };
      if (i % 5 === 4) return ledger.as().post(`/v1/accounts/${a}/withdrawals`, { amount: other ? '99998.00' : '99999.00' }, key);
      return ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: other ? '2.00' : '1.00' }, key);
    };
    const first: Reply[] = [];
    for (let i = 0; i < 200; i += 20) first.push(...(await Promise.all(Array.from({ length: 20 }, (_, j) => send(i + j)))));
    expect(first.map((r) => r.status)).toEqual(first.map((_, i) => (i % 5 === 4 ? 422 : 201)));
    await ledger.catchUp();

    const retry = async () => {
      for (let i = 0; i < 50; i++) {
        const again = await send(i);
        expect(again.status).toBe(first[i]!.status);
        expect(again.body).toEqual(first[i]!.body);
        if (again.status === 201) expect(again.headers.get('idempotent-replayed')).toBe('true');
        const conflict = await send(i, true);
        expect([conflict.status, conflict.body.code]).toEqual([409, 'idempotency_conflict']);
      }
      expect(ledger.system.engine!.rememberedCommands).toBeLessThanOrEqual(20);
      await ledger.catchUp();
      expect((await ledger.as().get(`/v1/accounts/${a}`)).body.balance).toBe('1160.00');
    };
    await retry();
    await ledger.restart();
    await retry();

    const db = ledger.database;
    const live = [ledger.system.readModels.idempotency.projection];
    const [compared] = await compareReadModels(db, ledger.system.log, live, (scratch) => [readModels(scratch.db, { partitions: ledger.system.log.partitions, fraud: new FraudConfig() }).idempotency.projection]);
    expect(compared).toMatchObject({ projection: 'idempotency', ok: true });
  });
});
