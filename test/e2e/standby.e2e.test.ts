import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, remoteClient } from '../support/harness.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { BACKENDS, createTestDatabase, selectedBackends } from '../support/pg.ts';
import { type RoleProcess, killHard, runLedger, startRoles, verifyEventually, waitForHttp } from '../support/process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Three processes on one PostgreSQL database: the writer (every role), a standby (every role: warm,
 * tailing the log) and an API-only node. The standby and the API node forward commands to the writer
 * through command_inbox; kill -9 the writer under load from the API node and the standby takes over
 * once the writer's lease expires, the API node's commands reaching it. Every acknowledged command
 * survives exactly once, and each hold expires exactly once, whichever instance expired it.
 */
describe.skipIf(!BACKENDS.includes('postgres'))('hot standby on PostgreSQL, writes forwarded', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('forwards from the standby and the API node, takes over after kill -9, and loses or doubles nothing', async () => {
    const db = await createTestDatabase('ledger_standby');
    cleanups.push(db.drop);
    // KAFKA_BROKERS emptied: the PostgreSQL log under test, even when the suite runs with a broker configured.
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: '', LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const roles = startRoles(env);
    cleanups.push(() => roles.cleanup());
    const first = await roles.start();
    await waitForHttp(`${first.url}/readyz`);
    const second = await roles.start();
    const api = await roles.start('api');
    type Req = { key: string; path: string; body: unknown; status?: number; transactionId?: string };
    const post = (node: RoleProcess, req: Req) => remoteClient(node.url).post(req.path, req.body, { 'idempotency-key': req.key });

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await post(first, { key: `open-${i}`, path: '/v1/accounts', body: { currency: 'USD', overdraftLimit: '100.00' } })).body.id as string);
    const deposit = (key: string, account = ids[0]!): Req => ({ key, path: `/v1/accounts/${account}/deposits`, body: { amount: '1.00' } });

    // Writes through every node land, once: a key retried on another node answers its first transaction.
    for (const [i, node] of [first, second, api].entries()) {
      const req = deposit(`through-${i}`);
      const res = await post(node, req);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      for (const other of [first, second, api]) {
        const again = await post(other, req);
        expect(again.body.transactionId).toBe(res.body.transactionId);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
      }
    }
    // The standby is not ready (it is not the writer) and does not fence the writer.
    expect((await fetch(`${second.url}/readyz`)).status).toBe(503);
    for (let i = 0; i < 10; i++) {
      expect((await post(first, deposit(`healthy-${i}`, ids[1]))).status).toBe(201);
      await sleep(300);
    }
    // Holds: one expires while the first is the writer, others around the takeover.
    const holds: string[] = [];
    for (const timeoutSeconds of [1, 3, 4, 5]) {
      const placed = await post(api, { key: `hold-${timeoutSeconds}`, path: '/v1/holds', body: { accountId: ids[0], amount: '10.00', timeoutSeconds } });
      expect(placed.status).toBe(201);
      holds.push(placed.body.id as string);
    }

    // Load from the API node; kill -9 of the writer 2 s in; the load goes on through the takeover.
    const sent: Req[] = [];
    let n = 0;
    let stop = false;
    const statuses = new Map<number, number>();
    const worker = async () => {
      while (!stop) {
        const i = n++;
        const a = ids[i % ids.length]!;
        const b = ids[(i + 1) % ids.length]!;
        const req: Req = i % 2 ? { key: `k${i}`, path: `/v1/accounts/${a}/deposits`, body: { amount: '2.00' } } : { key: `k${i}`, path: '/v1/transfers', body: { fromAccountId: a, toAccountId: b, amount: '1.00' } };
        sent.push(req);
        try {
          const res = await post(api, req);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          req.status = res.status;
          req.transactionId = res.body.transactionId as string | undefined;
          if (res.status === 503) await sleep(200);
        } catch {
          // the API node stays up: a broken connection here would be a failure of the test's own
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await sleep(2000);
    await killHard(first.child);
    const killedAt = Date.now();
    // The standby takes over once the dead writer's lease (3 s) expired.
    await waitForHttp(`${second.url}/readyz`, 30_000);
    const takeoverMs = Date.now() - killedAt;
    await sleep(2000);
    stop = true;
    await Promise.all(workers);
    console.log(`standby took over ${takeoverMs} ms after kill -9 of the writer; answers through the API node: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.keys()].filter((s) => s >= 500 && s !== 503)).toEqual([]);
    const acknowledged = sent.filter((r) => r.status === 201);
    expect(acknowledged.length).toBeGreaterThan(10);
    // Commands sent during the takeover waited for the new writer: some acknowledged after the kill.
    expect(acknowledged.length).toBeGreaterThan(sent.filter((r) => r.status === 503).length);

    // Every key retried: an acknowledged one answers its transaction; the others land now (or are refused).
    for (const req of sent) {
      const res = await post(req.status === 201 ? second : api, req);
      if (req.status === 201) expect(res.body.transactionId).toBe(req.transactionId);
      else expect([201, 422]).toContain(res.status);
      req.status = res.status;
      req.transactionId = res.body.transactionId as string | undefined;
    }

    // The first comes back: now it stands by and forwards to the new writer.
    const back = await roles.start();
    expect((await fetch(`${back.url}/readyz`)).status).toBe(503);
    expect((await post(second, deposit('after-return', ids[2]))).status).toBe(201);
    expect((await post(back, deposit('at-returned', ids[2]))).status).toBe(201);

    // Every hold expired exactly once (by whichever writer was active at its timeout).
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 50; i++) {
        const expired = (await sql<{ n: number }[]>`select count(*)::int as n from events where type = 'HoldExpired'`)[0]!.n;
        if (expired >= holds.length) break;
        await sleep(200);
      }
      const perHold = await sql<{ id: string; n: number }[]>`select stream_id as id, count(*)::int as n from events where type = 'HoldExpired' group by stream_id`;
      expect(new Map(perHold.map((r) => [r.id, r.n]))).toEqual(new Map(holds.map((h) => [h, 1])));
      const perCommand = await sql<{ n: number }[]>`select count(*)::int as n from events group by metadata->>'commandId' having count(*) > 2`;
      expect(perCommand).toEqual([]);
      const applied = await sql<{ id: string; n: number }[]>`select data->>'transactionId' as id, count(*)::int as n from events where type in ('FundsDeposited', 'TransferDebited') group by 1`;
      const count = new Map(applied.map((r) => [r.id, r.n]));
      for (const req of sent.filter((r) => r.status === 201)) expect(count.get(req.transactionId!)).toBe(1);
      expect(await sql`select * from command_inbox where reply is null`).toEqual([]);
    } finally {
      await sql.end();
    }

    await roles.cleanup();
    const verify = await runLedger(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
  }, 240_000);
});

// Only where the Kafka backend is selected (LEDGER_TEST_BACKENDS), like every suite that runs on it.
const brokers = selectedBackends(['kafka']).length > 0 ? await ensureKafka() : null;

/**
 * On Kafka: two engines, a projector and a stateless API node. The second engine stands by (its
 * producer not even initialised, so the writer's is not fenced) until kill -9 of the first; then it
 * takes over and the API node's commands reach it through ledger.commands.
 */
describe.skipIf(!brokers)('hot standby on Kafka', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('the standby engine takes over after kill -9 of the writer; commands through the API node carry on', async () => {
    const db = await createTestDatabase('ledger_standby_kafka');
    cleanups.push(db.drop);
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: brokers!.join(','), KAFKA_TOPIC: `${uniqueTopic('standby')}.events`, LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, HOST: '127.0.0.1' };
    const roles = startRoles(env);
    cleanups.push(() => roles.cleanup());
    const first = await roles.start('engine');
    await waitForHttp(`${first.url}/readyz`);
    const second = await roles.start('engine');
    await roles.start('projector');
    const api = await roles.start('api');
    const client = remoteClient(api.url);
    const key = (k: string) => ({ 'idempotency-key': k });

    const a = (await client.post('/v1/accounts', { currency: 'USD' }, key('open-a'))).body.id as string;
    const b = (await client.post('/v1/accounts', { currency: 'USD' }, key('open-b'))).body.id as string;
    expect((await client.post(`/v1/accounts/${a}/deposits`, { amount: '500.00' }, key('dep-a'))).status).toBe(201);
    // The writer stays the writer with a standby beside it.
    for (let i = 0; i < 6; i++) {
      expect((await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key(`t-${i}`))).status).toBe(201);
      await sleep(500);
    }
    expect((await fetch(`${second.url}/readyz`)).status).toBe(503);

    await killHard(first.child);
    await waitForHttp(`${second.url}/readyz`, 30_000);
    let again = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key('t-0'));
    for (let i = 0; i < 20 && again.status === 503; i++) {
      await sleep(500);
      again = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' }, key('t-0'));
    }
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const more = await client.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '40.00' }, key('after-takeover'));
    expect(more.status).toBe(201);
    expect(more.body.fromBalance).toBe('454.00');

    // verify compares the read models with the log: the projector is left running until it has read
    // the last transfer (killing it at once made verify see both balances one event behind, 494.00 v8).
    const verify = await verifyEventually(env);
    expect(verify.code, verify.output).toBe(0);
  }, 240_000);
});
