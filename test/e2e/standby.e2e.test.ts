import type { ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, remoteClient } from '../support/harness.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { BACKENDS, createTestDatabase } from '../support/pg.ts';
import { freePort, killHard, runLedger, spawnLedger, waitForHttp } from '../support/process.ts';

/**
 * Two instances of the service on one PostgreSQL database: the second stands by (warm, tailing the
 * log) while the first keeps writing; kill -9 the first in the middle of a load and the second
 * takes over once the first's lease expires. Every acknowledged command survives exactly once, and
 * each hold expires exactly once, whichever instance expired it.
 */
describe.skipIf(!BACKENDS.includes('postgres'))('hot standby on PostgreSQL', () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of children) await killHard(c);
    for (const c of cleanups) await c();
  });

  it('stands by without fencing the writer, takes over after kill -9, and loses or doubles nothing', async () => {
    const db = await createTestDatabase('ledger_standby');
    cleanups.push(db.drop);
    // KAFKA_BROKERS emptied: the PostgreSQL log under test, even when the suite runs with a broker configured.
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: '', LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const start = async () => {
      const port = await freePort();
      const child = spawnLedger(['serve'], { ...env, PORT: String(port) });
      children.push(child);
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000);
      return { child, port, api: remoteClient(`http://127.0.0.1:${port}`) };
    };
    const first = await start();
    await waitForHttp(`http://127.0.0.1:${first.port}/readyz`);
    const second = await start();
    const post = (node: typeof first, p: string, body: unknown, key: string) => node.api.post(p, body, { 'idempotency-key': key });

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await post(first, '/v1/accounts', { currency: 'USD', overdraftLimit: '100.00' }, `open-${i}`)).body.id as string);
    await post(first, `/v1/accounts/${ids[0]}/deposits`, { amount: '500.00' }, 'fund');

    // The standby answers commands with 503 and Retry-After, is not ready, and does not fence the writer.
    const refused = await post(second, `/v1/accounts/${ids[0]}/deposits`, { amount: '1.00' }, 'at-standby');
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('log_unavailable');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await fetch(`http://127.0.0.1:${second.port}/readyz`)).status).toBe(503);
    for (let i = 0; i < 10; i++) {
      expect((await post(first, `/v1/accounts/${ids[1]}/deposits`, { amount: '1.00' }, `healthy-${i}`)).status).toBe(201);
      await new Promise((r) => setTimeout(r, 500));
    }
    // Holds: one expires while the first is the writer, others around the takeover.
    const holds: string[] = [];
    for (const timeoutSeconds of [1, 3, 4, 5]) {
      const placed = await post(first, '/v1/holds', { accountId: ids[0], amount: '10.00', timeoutSeconds }, `hold-${timeoutSeconds}`);
      expect(placed.status).toBe(201);
      holds.push(placed.body.id as string);
    }

    type Req = { key: string; path: string; body: unknown; status?: number; transactionId?: string };
    const sent: Req[] = [];
    let n = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const i = n++;
        const a = ids[i % ids.length]!;
        const b = ids[(i + 1) % ids.length]!;
        const req: Req = i % 2 ? { key: `k${i}`, path: `/v1/accounts/${a}/deposits`, body: { amount: '2.00' } } : { key: `k${i}`, path: '/v1/transfers', body: { fromAccountId: a, toAccountId: b, amount: '1.00' } };
        sent.push(req);
        try {
          const res = await post(first, req.path, req.body, req.key);
          req.status = res.status;
          req.transactionId = res.body.transactionId as string | undefined;
        } catch {
          // connection reset by the kill: outcome unknown to the client
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 2000));
    await killHard(first.child);
    const killedAt = Date.now();
    stop = true;
    await Promise.all(workers);
    expect(sent.filter((r) => r.status === 201).length).toBeGreaterThan(10);

    // The standby takes over once the dead writer's lease (3 s) expired.
    await waitForHttp(`http://127.0.0.1:${second.port}/readyz`, 30_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`standby took over ${takeoverMs} ms after kill -9 of the writer`);

    for (const req of sent) {
      const res = await post(second, req.path, req.body, req.key);
      if (req.status === 201) expect(res.body.transactionId).toBe(req.transactionId);
      else expect([201, 422]).toContain(res.status);
      req.status = res.status;
    }

    // The first comes back: now it stands by, and the new writer keeps writing.
    const back = await start();
    expect((await fetch(`http://127.0.0.1:${back.port}/readyz`)).status).toBe(503);
    expect((await post(second, `/v1/accounts/${ids[2]}/deposits`, { amount: '1.00' }, 'after-return')).status).toBe(201);
    expect((await post(back, `/v1/accounts/${ids[2]}/deposits`, { amount: '1.00' }, 'at-returned')).status).toBe(503);

    // Every hold expired exactly once (by whichever writer was active at its timeout).
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 50; i++) {
        const expired = (await sql<{ n: number }[]>`select count(*)::int as n from events where type = 'HoldExpired'`)[0]!.n;
        if (expired >= holds.length) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const perHold = await sql<{ id: string; n: number }[]>`select stream_id as id, count(*)::int as n from events where type = 'HoldExpired' group by stream_id`;
      expect(new Map(perHold.map((r) => [r.id, r.n]))).toEqual(new Map(holds.map((h) => [h, 1])));
      const perCommand = await sql<{ n: number }[]>`select count(*)::int as n from events group by metadata->>'commandId' having count(*) > 2`;
      expect(perCommand).toEqual([]);
      const applied = new Set((await sql<{ id: string }[]>`select data->>'transactionId' as id from events where data ? 'transactionId'`).map((r) => r.id));
      for (const req of sent.filter((r) => r.status === 201 && r.transactionId)) expect(applied.has(req.transactionId!)).toBe(true);
    } finally {
      await sql.end();
    }

    for (const c of [second.child, back.child]) await killHard(c);
    const verify = await runLedger(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
  }, 240_000);
});

const brokers = await ensureKafka();

/**
 * On Kafka: two engines, a projector and a stateless API node. The second engine stands by (its
 * producer not even initialised, so the writer's is not fenced) until kill -9 of the first; then it
 * takes over and the API node's commands reach it through ledger.commands.
 */
describe.skipIf(!brokers)('hot standby on Kafka', () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of children) await killHard(c);
    for (const c of cleanups) await c();
  });

  it('the standby engine takes over after kill -9 of the writer; commands through the API node carry on', async () => {
    const db = await createTestDatabase('ledger_standby_kafka');
    cleanups.push(db.drop);
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers!.join(','), KAFKA_TOPIC: `${uniqueTopic('standby')}.events`, LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, HOST: '127.0.0.1' };
    const start = async (role: string) => {
      const port = await freePort();
      const child = spawnLedger(['serve', '--role', role], { ...env, PORT: String(port) });
      children.push(child);
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 90_000);
      return { child, port };
    };
    const first = await start('engine');
    await waitForHttp(`http://127.0.0.1:${first.port}/readyz`);
    const second = await start('engine');
    await start('projector');
    const api = await start('api');
    const client = remoteClient(`http://127.0.0.1:${api.port}`);
    const key = (k: string) => ({ 'idempotency-key': k });

    const a = (await client.post('/v1/accounts', { currency: 'USD' }, key('open-a'))).body.id as string;
    const b = (await client.post('/v1/accounts', { currency: 'USD' }, key('open-b'))).body.id as string;
    expect((await client.post(`/v1/accounts/${a}/deposits`, { amount: '500.00' }, key('dep-a'))).status).toBe(201);
    // The writer stays the writer with a standby beside it.
    for (let i = 0; i < 6; i++) {
      expect((await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key(`t-${i}`))).status).toBe(201);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await fetch(`http://127.0.0.1:${second.port}/readyz`)).status).toBe(503);

    await killHard(first.child);
    await waitForHttp(`http://127.0.0.1:${second.port}/readyz`, 30_000);
    let again = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key('t-0'));
    for (let i = 0; i < 20 && again.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 500));
      again = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key('t-0'));
    }
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const more = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '40.00' }, key('after-takeover'));
    expect(more.status).toBe(201);
    expect(more.body.fromBalance).toBe('454.00');

    for (const c of children) await killHard(c);
    const verify = await runLedger(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
  }, 240_000);
});
