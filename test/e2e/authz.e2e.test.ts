import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/auth/roles.ts';
import { ROUTE_POLICIES, isAllowed, policyFor, toRouterPath } from '../../src/http/authorization.ts';
import { ADMIN_TOKEN, type Caller, type TestLedger, sampleBody, startTestLedger } from '../support/harness.ts';

interface Operation {
  method: string;
  path: string;
}

/** Every route of the OpenAPI document × every role: anonymous and wrong roles are refused, right roles get through. */
describe('authorization of every route (PGlite)', () => {
  let ledger: TestLedger;
  let operations: Operation[];
  let ids: { a: string; b: string };

  beforeAll(async () => {
    ledger = await startTestLedger('pglite');
    ids = { a: await ledger.openAccount({ deposit: '100.00' }), b: await ledger.openAccount({ deposit: '100.00' }) };
    const doc = await ledger.as(null).get('/openapi.json');
    operations = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })),
    );
  });
  afterAll(() => ledger.close());

  const concrete = (path: string, id = ids.a) => path.replace('{id}', path.startsWith('/v1/keys') ? 'nosuchkey' : id);
  /** Not the JSON client: an allowed GET of the event stream would never end. */
  async function send(caller: Caller, op: Operation, id?: string) {
    const res = await ledger.as(caller).fetch(concrete(op.path, id), {
      method: op.method,
      headers: { 'content-type': 'application/json' },
      body: op.method === 'POST' ? JSON.stringify(sampleBody(op.method, op.path, ids)) : undefined,
    });
    const type = res.headers.get('content-type') ?? '';
    const body = type.includes('json') ? ((await res.json()) as Record<string, unknown>) : (await res.body?.cancel(), {});
    return { status: res.status, type, body };
  }
  const commandsSoFar = () => ledger.system.engine!.stats.commandsAccepted + ledger.system.engine!.stats.commandsRefused;

  it('the document lists the API, and every operation in it is declared in the authorization table', () => {
    expect(operations.filter((o) => o.path.startsWith('/v1/')).length).toBeGreaterThanOrEqual(15);
    for (const op of operations) expect(policyFor(op.method, toRouterPath(op.path)), `${op.method} ${op.path}`).not.toBeNull();
  });

  it('every /v1 route the router knows, in the document or not, has a declaration', () => {
    const routes = ledger.system.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/'));
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(policyFor(r.method, r.path), `${r.method} ${r.path}`).not.toBeNull();
  });

  it('refuses an anonymous caller and a made-up token on every route with 401 problem+json', async () => {
    for (const op of operations.filter((o) => o.path.startsWith('/v1/'))) {
      for (const token of [null, 'lk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ADMIN_TOKEN.slice(0, -1)]) {
        const r = await send(token === null ? null : { token }, op);
        expect(r.status, `${op.method} ${op.path} token=${token}`).toBe(401);
        expect(r.type).toContain('application/problem+json');
        expect(r.body.code).toBe('unauthorized');
      }
    }
  });

  it('refuses every role the table does not allow with 403 and changes nothing', async () => {
    let checked = 0;
    let openToAll = 0;
    for (const op of operations.filter((o) => o.path.startsWith('/v1/'))) {
      const policy = policyFor(op.method, toRouterPath(op.path))!;
      const wrong = ROLES.filter((r) => !isAllowed(policy, r));
      // Account, hold and owner reads are every role's; for them only the anonymous check above applies.
      if (wrong.length === 0) {
        expect(op.method === 'GET' && ['/v1/accounts', '/v1/holds/', '/v1/owners/'].some((p) => op.path.startsWith(p)), `${op.method} ${op.path} is open to every role`).toBe(true);
        openToAll++;
        continue;
      }
      for (const role of wrong) {
        const before = commandsSoFar();
        const r = await send(role, op);
        expect(r.status, `${role} ${op.method} ${op.path}`).toBe(403);
        expect(r.type).toContain('application/problem+json');
        expect(r.body.code).toBe('forbidden');
        expect(commandsSoFar()).toBe(before);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // account, journal, balance; issue 12: an account's holds, a hold, the account list, an owner.
    expect(openToAll).toBe(7);
  });

  it('lets every allowed role through (neither 401 nor 403)', async () => {
    for (const op of operations.filter((o) => o.path.startsWith('/v1/'))) {
      const policy = policyFor(op.method, toRouterPath(op.path))!;
      for (const role of ROLES.filter((r) => isAllowed(policy, r))) {
        const r = await send(role, op);
        expect([401, 403], `${role} ${op.method} ${op.path} → ${r.status} ${JSON.stringify(r.body)}`).not.toContain(r.status);
        expect(r.status).toBeLessThan(500);
      }
    }
  });

  it('denies a route without a declaration to everyone, admin included (deny by default)', async () => {
    // A route registered without a declaration (the router is built on the first request, so a fresh app).
    const fresh = await startTestLedger('pglite');
    try {
      fresh.system.app.get('/v1/forgotten-route', (c) => c.json({ secret: true }));
      const r = await fresh.as().get('/v1/forgotten-route');
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('forbidden');
      expect((await fresh.as(null).get('/v1/forgotten-route')).status).toBe(401);
    } finally {
      await fresh.close();
    }
    expect(policyFor('GET', '/v1/forgotten-route')).toBeNull();
  });

  it('declares the routes other teams are adding', () => {
    expect(policyFor('GET', '/v1/audit')?.roles).toEqual(['auditor']);
    expect(policyFor('GET', '/v1/audit/events')?.roles).toEqual(['auditor']);
    expect(policyFor('GET', '/v1/reports/statement/:id')?.roles).toEqual(['auditor']);
    expect(policyFor('GET', '/v1/fraud/alerts')?.roles).toEqual(['analyst']);
    expect(policyFor('POST', '/v1/fraud/alerts/:id/status')?.roles).toEqual(['analyst']);
    expect(ROUTE_POLICIES.every((p) => !p.roles.includes('admin'))).toBe(true);
  });

  it('unknown routes answer 404 to an authenticated caller and 401 to an anonymous one', async () => {
    expect((await ledger.as('teller').get('/v1/nothing-here')).status).toBe(404);
    expect((await ledger.as(null).get('/v1/nothing-here')).status).toBe(401);
  });
});

describe('account-scoped keys (PGlite)', () => {
  let ledger: TestLedger;
  let own: string;
  let other: string;
  let teller: Caller;
  let auditor: Caller;

  beforeAll(async () => {
    ledger = await startTestLedger('pglite');
    own = await ledger.openAccount({ deposit: '50.00' });
    other = await ledger.openAccount({ deposit: '50.00' });
    teller = await ledger.key('teller', [own]);
    auditor = await ledger.key('auditor', [own]);
  });
  afterAll(() => ledger.close());

  const strip = (b: Record<string, unknown>) => ({ ...b, instance: undefined });

  it('may act on its own accounts only', async () => {
    const dep = await ledger.as(teller).post(`/v1/accounts/${own}/deposits`, { amount: '1.00' });
    expect(dep.status).toBe(201);
    expect((await ledger.as(auditor).get(`/v1/accounts/${own}?minPosition=${dep.body.position as number}`)).status).toBe(200);
    expect((await ledger.as(teller).post(`/v1/accounts/${other}/deposits`, { amount: '1.00' })).status).toBe(403);
    expect((await ledger.as(teller).post('/v1/transfers', { fromAccountId: own, toAccountId: other, amount: '1.00' })).status).toBe(403);
    expect((await ledger.as(teller).post('/v1/transfers', { fromAccountId: other, toAccountId: own, amount: '1.00' })).status).toBe(403);
  });

  it('gets the same 403 whether or not the account exists', async () => {
    const existing = await ledger.as(auditor).get(`/v1/accounts/${other}`);
    const missing = await ledger.as(auditor).get('/v1/accounts/no-such-account');
    expect(existing.status).toBe(403);
    expect(missing.status).toBe(403);
    expect(strip(existing.body)).toEqual(strip(missing.body));
    const depExisting = await ledger.as(teller).post(`/v1/accounts/${other}/deposits`, { amount: '1.00' });
    const depMissing = await ledger.as(teller).post('/v1/accounts/no-such-account/deposits', { amount: '1.00' });
    expect(strip(depExisting.body)).toEqual(strip(depMissing.body));
    const trExisting = await ledger.as(teller).post('/v1/transfers', { fromAccountId: own, toAccountId: other, amount: '1.00' });
    const trMissing = await ledger.as(teller).post('/v1/transfers', { fromAccountId: own, toAccountId: 'no-such-account', amount: '1.00' });
    expect(trExisting.status).toBe(403);
    expect(strip(trExisting.body)).toEqual(strip(trMissing.body));
  });

  it('is refused on routes that are not about one account (lists, the raw log, new accounts, keys)', async () => {
    expect((await ledger.as(auditor).get('/v1/events')).status).toBe(403);
    expect((await ledger.as(teller).post('/v1/accounts', { currency: 'USD' })).status).toBe(403);
    expect((await ledger.as(auditor).get('/v1/keys')).status).toBe(403);
  });
});
