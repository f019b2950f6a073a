import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { type System, startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { MAX_BATCH_ITEMS } from '../../src/domain/batch/index.ts';
import { ADMIN_TOKEN, type TestLedger, bearer, logBackends, startTestLedger } from '../support/harness.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';

// Only where the Kafka backend is selected (LEDGER_TEST_BACKENDS), like every suite that runs on it.
const brokers = (await logBackends()).includes('kafka') ? await ensureKafka() : null;
type Body = Record<string, unknown>;

/**
 * Batches through the Kafka command path: an API node without the engine sends each batch on
 * <prefix>.commands and reads its result on <prefix>.replies. A batch of 8,190 items (about 1 MB of
 * command, several MB of reply: more than a broker's default message size) lands whole, atomic or
 * item by item; an atomic refusal keeps its item index across the reply.
 */
describe.skipIf(!brokers)('batches through the Kafka command bus (API node apart from the engine)', () => {
  let engineSide: TestLedger;
  let api: System;
  beforeAll(async () => {
    const env = { KAFKA_TOPIC: `${uniqueTopic('bigbatch')}.events` };
    // The engine alone: this suite is about the command path, and the anomaly projector in the same
    // thread spends minutes of CPU on 16,000 movements between a handful of accounts (every one inside the
    // others' windows), which starves the engine's replies into 503s on a 2-core machine.
    engineSide = await startTestLedger('kafka', env, { roles: new Set(['engine']) });
    const fullEnv = { LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LEDGER_RATE_LIMIT_RPS: '0', KAFKA_BROKERS: brokers!.join(','), ...env };
    api = await startSystem(loadEnv(fullEnv), { database: engineSide.database, logger: silentLogger, roles: new Set(['api']) });
  }, 120_000);
  afterAll(async () => {
    if (retried.length) console.warn(`retried after 503: ${retried.join(', ')}`);
    await api?.close();
    await engineSide?.close();
  });

  const withHeaders = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await api.app.request(path, { method: 'POST', headers: { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
  };
  const retried: string[] = [];
  /**
   * A command as a client sends it: under an Idempotency-Key, sent again with it after a 503 (on a
   * loaded machine the broker may not answer within the writer's deadline; the retry lands it once).
   */
  const post = async (path: string, body: unknown): Promise<{ status: number; body: Body }> => {
    const key = { 'idempotency-key': randomUUID() };
    let res = await withHeaders(path, body, key);
    for (let i = 0; i < 5 && res.status === 503; i++) {
      retried.push(path);
      await new Promise((r) => setTimeout(r, 1000));
      res = await withHeaders(path, body, key);
    }
    return res;
  };
  /** The engine's balance (the writer's state: what the read side would show once projected). */
  const balance = async (id: string) => {
    await engineSide.system.engine!.drain();
    const account = engineSide.system.engine!.account(id);
    return account.status === 'none' ? null : account.balance.toFixed(2);
  };
  const open = async (deposit: string) => {
    const opened = await post('/v1/accounts', { currency: 'USD' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.id as string;
    expect((await post(`/v1/accounts/${id}/deposits`, { amount: deposit })).status).toBe(201);
    return id;
  };
  const transfers = (from: string, to: string, n: number) => Array.from({ length: n }, (_, i) => ({ type: 'transfer', fromAccountId: from, toAccountId: to, amount: '1.00', reference: `payroll line ${i}` }));

  it(`lands an atomic batch of ${MAX_BATCH_ITEMS} transfers through the command bus`, async () => {
    const a = await open(`${MAX_BATCH_ITEMS}.00`);
    const b = await open('0.01');
    const res = await post('/v1/batches', { mode: 'atomic', items: transfers(a, b, MAX_BATCH_ITEMS) });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(201);
    expect(res.body).toMatchObject({ accepted: MAX_BATCH_ITEMS, refused: 0 });
    expect(await balance(a)).toBe('0.00');
    expect(await balance(b)).toBe(`${MAX_BATCH_ITEMS}.01`);
  }, 180_000);

  it(`lands an independent batch of ${MAX_BATCH_ITEMS} items with refusals through the command bus`, async () => {
    const a = await open('4000.00');
    const b = await open('0.01');
    const res = await post('/v1/batches', { mode: 'independent', items: transfers(a, b, MAX_BATCH_ITEMS) });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body).toMatchObject({ accepted: 4000, refused: MAX_BATCH_ITEMS - 4000 });
    const items = res.body.items as Body[];
    expect(items).toHaveLength(MAX_BATCH_ITEMS);
    expect(items[3999]).toMatchObject({ index: 3999, status: 'accepted' });
    expect(items[4000]).toMatchObject({ index: 4000, status: 'refused', code: 'insufficient_funds' });
    expect(await balance(b)).toBe('4000.01');
  }, 180_000);

  it('keeps an atomic refusal’s item index across the reply; a retried key replays through the bus', async () => {
    const a = await open('10.00');
    const b = await open('0.01');
    const items = [...transfers(a, b, 10), { type: 'capture', holdId: 'no-such-hold' }];
    const refused = await withHeaders('/v1/batches', { mode: 'atomic', items });
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ code: 'hold_not_found' });
    expect((refused.body.errors as Array<{ field: string }>)[0]!.field).toBe('items.10');
    const short = await post('/v1/batches', { mode: 'atomic', items: transfers(a, b, 11) });
    expect(short).toMatchObject({ status: 422, body: { code: 'insufficient_funds' } });
    expect((short.body.errors as Array<{ field: string }>)[0]!.field).toMatch(/^items\.10(\.|$)/);
    expect(await balance(b)).toBe('0.01');
    const key = { 'idempotency-key': `kafka-batch-${a}` };
    const body = { mode: 'independent', items: transfers(a, b, 12) };
    const first = await withHeaders('/v1/batches', body, key);
    const again = await withHeaders('/v1/batches', body, key);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await balance(b)).toBe('10.01');
  }, 60_000);
});


