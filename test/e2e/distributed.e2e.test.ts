import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, remoteClient } from '../support/harness.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { createTestDatabase, selectedBackends } from '../support/pg.ts';
import { killHard, startRoles, verifyEventually } from '../support/process.ts';

// Only where the Kafka backend is selected (LEDGER_TEST_BACKENDS), like every suite that runs on it.
const brokers = selectedBackends(['kafka']).length > 0 ? await ensureKafka() : null;

/**
 * The distributed setup as separate processes: an engine (the writer), a projector and a stateless
 * API node that reaches the engine through ledger.commands / ledger.replies. The projector and the
 * engine are killed with SIGKILL along the way.
 */
describe.skipIf(!brokers)('engine, projector and API as separate processes on Kafka', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('serves commands through the API node, survives kill -9 of projector and engine, and verifies', async () => {
    const db = await createTestDatabase('ledger_dist');
    cleanups.push(db.drop);
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers!.join(','), KAFKA_TOPIC: `${uniqueTopic('dist')}.events`, LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, HOST: '127.0.0.1' };
    const roles = startRoles(env);
    cleanups.push(() => roles.cleanup());
    // migrations are applied by whichever starts first; start the engine first
    let engine = await roles.start('engine');
    let projector = await roles.start('projector');
    const api = await roles.start('api');
    const client = remoteClient(api.url);
    const key = (k: string) => ({ 'idempotency-key': k });

    const a = (await client.post('/v1/accounts', { currency: 'USD' }, key('open-a'))).body.id as string;
    const b = (await client.post('/v1/accounts', { currency: 'USD' }, key('open-b'))).body.id as string;
    expect((await client.post(`/v1/accounts/${a}/deposits`, { amount: '500.00' }, key('dep-a'))).status).toBe(201);
    const refused = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '900.00' });
    expect(refused.body.code).toBe('insufficient_funds');

    // kill -9 the projector in the middle of a stream of transfers, then restart it
    const transfers = Array.from({ length: 60 }, (_, i) => client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key(`t-${i}`)));
    await new Promise((r) => setTimeout(r, 300));
    await killHard(projector.child);
    const results = await Promise.all(transfers);
    expect(results.every((r) => r.status === 201)).toBe(true);
    projector = await roles.start('projector');
    const last = Math.max(...results.map((r) => r.body.position as number));
    const readA = await client.get(`/v1/accounts/${a}?minPosition=${last}&partition=${results[0]!.body.partition as number}`);
    expect(readA.body).toMatchObject({ balance: '440.00' });

    // kill -9 the engine; a command waits for the engine's replacement or fails with 503, never half-applied
    await killHard(engine.child);
    engine = await roles.start('engine');
    const again = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key('t-0'));
    expect(again.status).toBe(201);
    expect(again.body.transactionId).toBe(results[0]!.body.transactionId);
    const more = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '40.00' }, key('after-restart'));
    expect(more.status).toBe(201);
    expect(more.body.fromBalance).toBe('400.00');
    const readB = await client.get(`/v1/accounts/${b}?minPosition=${more.body.position as number}&partition=${more.body.partition as number}`);
    expect(readB.body).toMatchObject({ balance: '100.00' });

    // Every read model, not only the balances read above, has read the last transfer before verify compares.
    const verify = await verifyEventually(env);
    expect(verify.code, verify.output).toBe(0);
  }, 240_000);
});
