import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditLog } from '../../src/db/schema.ts';
import { auditProjection } from '../../src/read-models/audit/projection.ts';
import { resetProjection } from '../../src/projections/checkpoints.ts';
import { ProjectionRunner } from '../../src/projections/runner.ts';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';
import { expectProblem } from '../support/problems.ts';

type Entry = { position: number; type: string; accountId: string; amount: string | null; actor: string; commandId: string; hash: string; prevHash: string; origin: { userAgent: string | null; requestId: string | null } };

describe.each(BACKENDS)('audit log on %s', (backend) => {
  let ledger: TestLedger;
  let a: string;
  let b: string;
  let last = 0;
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    const admin = ledger.as();
    a = await ledger.openAccount();
    b = await ledger.openAccount();
    created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '100.00' }, { 'user-agent': 'teller-ui/2.1', 'idempotency-key': 'dep-1' }));
    created(await admin.post(`/v1/accounts/${a}/withdrawals`, { amount: '10.50' }));
    last = created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '20.00' })).position as number;
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('records every event with actor, origin, command id and the hash from the log', async () => {
    const res = await ledger.as().get(`/v1/audit?minPosition=${last}`);
    expect(res.status).toBe(200);
    const items = res.body.items as Entry[];
    expect(items.map((i) => i.type)).toEqual(['AccountOpened', 'AccountOpened', 'FundsDeposited', 'FundsWithdrawn', 'TransferDebited', 'TransferCredited']);
    expect(items.map((i) => i.position)).toEqual([0, 1, 2, 3, 4, 5]);
    const deposit = items[2]!;
    expect(deposit).toMatchObject({ accountId: a, amount: '100.00', actor: 'key:bootstrap', actorRole: 'admin', commandId: 'key:bootstrap:dep-1' });
    expect(deposit.origin.userAgent).toBe('teller-ui/2.1');
    expect(deposit.origin.requestId).toBeTruthy();
    const events = await ledger.system.log.read(0, -1, 100);
    expect(items.map((i) => [i.hash, i.prevHash])).toEqual(events.map((e) => [e.hash, e.prevHash]));
    expect(res.body.position).toBe(last);
  });

  it('pages with a cursor and filters by account, type, actor and period', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Record<string, unknown> } = await ledger.as().get(`/v1/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page.body.items as Entry[]).map((i) => i.position));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    const forB = await ledger.as().get(`/v1/audit?accountId=${b}`);
    expect((forB.body.items as Entry[]).map((i) => i.type)).toEqual(['AccountOpened', 'TransferCredited']);
    const withdrawals = await ledger.as().get('/v1/audit?type=FundsWithdrawn');
    expect((withdrawals.body.items as Entry[]).map((i) => i.amount)).toEqual(['10.50']);
    expect(((await ledger.as().get('/v1/audit?actor=nobody')).body.items as Entry[]).length).toBe(0);
    expect(((await ledger.as().get('/v1/audit?to=2000-01-01')).body.items as Entry[]).length).toBe(0);
    expect(((await ledger.as().get('/v1/audit?from=2000-01-01&to=2999-12-31T00:00:00Z')).body.items as Entry[]).length).toBe(6);
  });

  it('refuses bad filters with problem+json', async () => {
    const audit = (query: string) => ledger.as().get(`/v1/audit?${query}`);
    expectProblem(await audit('accountId=no-such-account'), 404, 'account_not_found');
    expectProblem(await audit('from=2026-02-30'), 400, 'validation_failed', 'from');
    expectProblem(await audit('from=2026-02-01&to=2026-01-01'), 400, 'validation_failed', 'to');
    expectProblem(await audit('type=DROP'), 400, 'validation_failed', 'type');
    expect((await audit('cursor=abc')).status).toBe(400);
  });

  it('is insert-only and rebuildable: replaying the log gives the same rows', async () => {
    const before = await ledger.database.db.select().from(auditLog).orderBy(auditLog.position);
    // Replaying already-projected events changes nothing (no update in place).
    const events = await ledger.system.log.read(0, -1, 100);
    await ledger.database.db.transaction(async (tx) => auditProjection.apply(tx, events));
    expect(await ledger.database.db.select().from(auditLog).orderBy(auditLog.position)).toEqual(before);
    // Rebuild from scratch.
    await resetProjection(ledger.database.db, auditProjection);
    expect(await ledger.database.db.select().from(auditLog)).toEqual([]);
    await new ProjectionRunner(ledger.database.db, ledger.system.log, auditProjection).catchUp();
    expect(await ledger.database.db.select().from(auditLog).orderBy(auditLog.position)).toEqual(before);
  });

  it('verifies the hash chain, and names the first broken link after tampering', async () => {
    const ok = await ledger.as().get('/v1/audit/verify');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, events: 6, firstBreak: null });
    // Tamper with the withdrawal at position 3 behind the append-only trigger's back.
    await ledger.database.db.execute(sql`alter table events disable trigger user`);
    await ledger.database.db.execute(sql`update events set data = jsonb_set(data, '{amount}', '"1.50"') where position = 3`);
    await ledger.database.db.execute(sql`alter table events enable trigger user`);
    // An edit inside the verified prefix is what a full verification is for.
    const broken = await ledger.as().get('/v1/audit/verify?full=true');
    expect(broken.body).toMatchObject({ ok: false, events: 6, mode: 'full', firstBreak: { partition: 0, position: 3, reason: 'hash_mismatch' } });
    // The break stays reported by the incremental calls that follow.
    expect((await ledger.as().get('/v1/audit/verify')).body).toMatchObject({ ok: false, mode: 'incremental', newEvents: 0, firstBreak: { position: 3 } });
  });

  it('verifies incrementally: a second call reads only the events appended since the first', async () => {
    const fresh = await startTestLedger(backend);
    try {
      const a = await fresh.openAccount({ deposit: '10.00' });
      const first = await fresh.as('auditor').get('/v1/audit/verify');
      expect(first.body).toMatchObject({ ok: true, mode: 'full', newEvents: 2, events: 2 });
      for (let i = 0; i < 3; i++) await fresh.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' });
      const read = vi.spyOn(fresh.system.log, 'read');
      const second = await fresh.as('auditor').get('/v1/audit/verify');
      const eventsRead = (await Promise.all(read.mock.results.map((r) => r.value as Promise<unknown[]>))).reduce((n, page) => n + page.length, 0);
      read.mockRestore();
      expect(second.body).toMatchObject({ ok: true, mode: 'incremental', newEvents: 3, events: 5 });
      // The three new events, plus the remembered last event read once to check its hash.
      expect(eventsRead).toBe(4);
      expect((await fresh.as('auditor').get('/v1/audit/verify')).body).toMatchObject({ ok: true, newEvents: 0, events: 5 });
    } finally {
      await fresh.close();
    }
  });
});
