import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Client, type Reply, logBackends, remoteClient } from '../support/harness.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { createTestDatabase } from '../support/pg.ts';
import { freePort, killHard, runLedger, spawnLedger, waitForHttp } from '../support/process.ts';

type Body = Record<string, unknown>;
type EventRow = { type: string; data: Body };

/** Every event of the log, read through GET /v1/events, partition after partition. */
async function allEvents(api: Client): Promise<EventRow[]> {
  const out: EventRow[] = [];
  for (let partition = 0; ; partition++) {
    let after = -1;
    for (;;) {
      const page = await api.get<{ items?: Array<EventRow & { position: number }> }>(`/v1/events?partition=${partition}&after=${after}&limit=1000`);
      if (page.status !== 200) return out; // past the last partition
      const items = page.body.items ?? [];
      if (items.length === 0) break;
      out.push(...items);
      after = items.at(-1)!.position;
    }
  }
}

/** The environment of a server on each backend: the embedded log in a data directory, PostgreSQL, or Kafka with read models on PostgreSQL. */
async function backendEnv(backend: string, cleanups: Array<() => Promise<void> | void>): Promise<Record<string, string>> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledger-bank-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return { LEDGER_DATA_DIR: dir, KAFKA_BROKERS: '' };
  }
  const db = await createTestDatabase('ledger_bank_crash');
  cleanups.push(db.drop);
  if (backend === 'postgres') return { DATABASE_URL: db.url, KAFKA_BROKERS: '' };
  const brokers = await ensureKafka();
  return { DATABASE_URL: db.url, KAFKA_BROKERS: brokers!.join(','), KAFKA_TOPIC: `${uniqueTopic('bankcrash')}.events` };
}

/**
 * kill -9 with a hold pending, a hold whose expiry falls due while the service is down, an atomic
 * batch and a stream of single commands in flight; restart, retry everything under its key, and
 * check: every acknowledged command is in the log exactly once (and a retry replays it), the batch
 * landed whole and once, the due hold expired exactly once, the pending hold still holds, the
 * balances add up, and `ledger verify` passes.
 */
describe.each(await logBackends())('crash safety of holds and batches on %s', (backend) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('keeps holds, expires the due one once and lands a batch all or nothing across kill -9', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { ...(await backendEnv(backend, cleanups)), PORT: String(port), HOST: '127.0.0.1', LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN };
    let server = spawnLedger(['serve'], env);
    cleanups.push(() => killHard(server));
    await waitForHttp(`${base}/readyz`, 90_000);
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
    const key = { 'idempotency-key': `crash-batch-${backend}` };
    const deposit = (i: number) => api.post(`/v1/accounts/${b}/deposits`, { amount: '0.01' }, { 'idempotency-key': `crash-dep-${backend}-${i}` });
    const inFlight = api.post('/v1/batches', batch, key).catch(() => null);
    const singles = Array.from({ length: 40 }, (_, i) => deposit(i).catch((): null => null));
    await new Promise((r) => setTimeout(r, 30));
    await killHard(server);
    await inFlight;
    const acknowledged = new Map<number, string>();
    (await Promise.all(singles)).forEach((r, i) => r?.status === 201 && acknowledged.set(i, r.body.transactionId as string));
    await new Promise((r) => setTimeout(r, 2500)); // the expiry falls due while nothing runs

    server = spawnLedger(['serve'], env);
    cleanups.push(() => killHard(server));
    // Ready once it is the writer: on a PostgreSQL server, after the killed writer's lease expired.
    await waitForHttp(`${base}/readyz`, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}; the server said: ${server.output()}`);
    });
    const retried = await api.post('/v1/batches', batch, key);
    expect(retried.status).toBe(201);
    expect(retried.body.accepted).toBe(500);
    const again: Array<Reply> = [];
    for (let i = 0; i < 40; i++) again.push(await deposit(i));
    expect(again.map((r) => r.status)).toEqual(Array(40).fill(201));
    for (const [i, id] of acknowledged) expect(again[i]!.body.transactionId, `deposit ${i} was acknowledged as ${id}`).toBe(id);

    let expired = '';
    for (let i = 0; i < 60 && expired !== 'expired'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expired = ((await api.get(`/v1/holds/${expiring}`)).body.status as string | undefined) ?? '';
    }
    expect(expired).toBe('expired');
    const last = await api.post(`/v1/accounts/${b}/deposits`, { amount: '0.01' });
    const read = async (id: string) => {
      let account = await api.get(`/v1/accounts/${id}?minPosition=${last.body.position as number}&partition=${last.body.partition as number}`);
      for (let i = 0; i < 30 && account.status !== 200; i++) account = await api.get(`/v1/accounts/${id}?minPosition=${last.body.position as number}`);
      return account.body;
    };
    await read(b);
    expect(await read(a)).toMatchObject({ balance: '500.00', held: '100.00', available: '400.00' });
    expect(await read(b)).toMatchObject({ balance: '500.42' }); // 0.01 + 500 + 40 × 0.01 + 0.01
    expect((await api.get(`/v1/holds/${pending}`)).body).toMatchObject({ status: 'active', remaining: '100.00' });

    const events = await allEvents(api);
    const count = (type: string, where: (d: Body) => boolean = () => true) => events.filter((e) => e.type === type && where(e.data)).length;
    expect(count('BatchExecuted')).toBe(1);
    expect(count('TransferDebited')).toBe(500);
    expect(count('HoldExpired', (d) => d.holdId === expiring)).toBe(1);
    expect(count('HoldExpired')).toBe(1);
    const depositIds = events.filter((e) => e.type === 'FundsDeposited' && e.data.accountId === b).map((e) => e.data.transactionId as string);
    expect(depositIds).toHaveLength(42);
    expect(new Set(depositIds).size).toBe(42);
    for (const id of acknowledged.values()) expect(depositIds).toContain(id);
    await killHard(server);

    const verify = await runLedger(['verify'], env);
    expect(verify.code, verify.output).toBe(0);
  }, 300_000);
});
