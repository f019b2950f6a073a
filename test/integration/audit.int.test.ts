import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const broken = await ledger.as().get('/v1/audit/verify');
    expect(broken.body).toMatchObject({ ok: false, events: 6, firstBreak: { partition: 0, position: 3, reason: 'hash_mismatch' } });
  });
});
