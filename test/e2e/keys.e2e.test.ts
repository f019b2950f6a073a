import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem } from '../../src/app/system.ts';
import { createLogger, silentLogger } from '../../src/app/logger.ts';
import { KeyStore } from '../../src/auth/key-store.ts';
import { loadEnv } from '../../src/config/env.ts';
import { apiKeys } from '../../src/db/schema.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';
import { ADMIN_TOKEN, type TestLedger, bearer, startTestLedger } from '../support/harness.ts';

describe.each(BACKENDS)('API keys (%s)', (backend) => {
  let ledger: TestLedger;
  const logLines: string[] = [];

  beforeAll(async () => {
    ledger = await startTestLedger(backend, {}, { logger: createLogger('info', { write: (s: string) => void logLines.push(s) }) });
  });
  afterAll(() => ledger.close());

  it('shows the token once, stores only its hash, and lists keys without secrets', async () => {
    const created = await ledger.as().post('/v1/keys', { name: 'branch 7', role: 'teller' });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^lk_[a-z0-9]+_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(`lk_${created.body.id}_…${token.slice(-4)}`);
    const rows = await ledger.database.db.select().from(apiKeys);
    const row = rows.find((r) => r.id === created.body.id)!;
    expect(JSON.stringify(row)).not.toContain(token.split('_').slice(2).join('_'));
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await ledger.as().get('/v1/keys');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect((list.body.items as Array<{ id: string }>).map((k) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain('hash');
  });

  it('refuses bad key requests and non-admins', async () => {
    expect((await ledger.as().post('/v1/keys', { name: 'x', role: 'root' })).status).toBe(400);
    expect((await ledger.as().post('/v1/keys', { name: 'x', role: 'teller', extra: 1 })).status).toBe(400);
    const teller = await ledger.key('teller');
    expect((await ledger.as(teller).post('/v1/keys', { name: 'x', role: 'admin' })).status).toBe(403);
    expect((await ledger.as(teller).delete(`/v1/keys/${teller.id}`)).status).toBe(403);
    expect((await ledger.as().delete('/v1/keys/0000000000000000')).status).toBe(404);
  });

  it('a revoked key is refused from the next request on', async () => {
    const teller = await ledger.key('teller');
    const a = await ledger.openAccount();
    expect((await ledger.as(teller).post(`/v1/accounts/${a}/deposits`, { amount: '1.00' })).status).toBe(201);
    const revoked = await ledger.as().delete(`/v1/keys/${teller.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const after = await ledger.as(teller).post(`/v1/accounts/${a}/deposits`, { amount: '1.00' });
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toContain('application/problem+json');
  });

  it('another process sees a revocation within a second (cache TTL)', async () => {
    const teller = await ledger.key('teller');
    const elsewhere = new KeyStore(ledger.database.db, { cacheTtlMs: 1000 });
    expect((await elsewhere.verify(teller.token))?.role).toBe('teller');
    await ledger.as().delete(`/v1/keys/${teller.id}`);
    await new Promise((r) => setTimeout(r, 1050));
    expect(await elsewhere.verify(teller.token)).toBeNull();
  });

  it('records the key id, role and request id as the actor of every event, and namespaces idempotency keys per key', async () => {
    const t1 = await ledger.key('teller');
    const t2 = await ledger.key('teller');
    const a = await ledger.openAccount();
    const first = await ledger.as(t1).post(`/v1/accounts/${a}/deposits`, { amount: '5.00' }, { 'idempotency-key': 'same-key', 'x-request-id': 'req-abc-123' });
    const second = await ledger.as(t2).post(`/v1/accounts/${a}/deposits`, { amount: '5.00' }, { 'idempotency-key': 'same-key' });
    const replay = await ledger.as(t1).post(`/v1/accounts/${a}/deposits`, { amount: '5.00' }, { 'idempotency-key': 'same-key' });
    expect([first.status, second.status, replay.status]).toEqual([201, 201, 201]);
    expect(second.body.transactionId).not.toBe(first.body.transactionId);
    expect(replay.body.transactionId).toBe(first.body.transactionId);
    expect(first.headers.get('x-request-id')).toBe('req-abc-123');

    const auditor = await ledger.key('auditor');
    const events = await ledger.as(auditor).get('/v1/events?limit=1000');
    const mine = (events.body.items as Array<{ type: string; data: { transactionId?: string }; metadata: Record<string, unknown> }>).filter((e) => e.data.transactionId === first.body.transactionId);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.metadata).toMatchObject({ actor: `key:${t1.id}`, actorRole: 'teller', commandId: `key:${t1.id}:same-key`, origin: { requestId: 'req-abc-123' } });
  });

  it('keeps tokens out of the logs and records key management there', () => {
    const text = logLines.join('');
    expect(text).toContain('"audit":"api_key_created"');
    expect(text).toContain('"audit":"api_key_revoked"');
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toMatch(/lk_[a-z0-9]+_[A-Za-z0-9_-]{20,}/);
    expect(text).toContain('"requestId":"req-abc-123"');
  });
});

describe('bootstrap admin token (PGlite)', () => {
  it('is generated once on a first start without keys, written mode 0600, and works', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ledger-boot-'));
    const file = path.join(dir, 'bootstrap-admin-token');
    const { database, cleanup } = await openTestDatabase('pglite');
    const announced: string[] = [];
    const env = loadEnv({ LEDGER_DATA_DIR: dir });
    let system = await startSystem(env, { database, logger: silentLogger, bootstrapTokenFile: file, announceBootstrapToken: (t) => void announced.push(t) });
    try {
      const token = readFileSync(file, 'utf8').trim();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(announced).toEqual([token]);
      const r = await system.app.request('/v1/keys', { headers: bearer(token) });
      expect(r.status).toBe(200);
      await system.close();
      system = await startSystem(env, { database, logger: silentLogger, bootstrapTokenFile: file, announceBootstrapToken: (t) => void announced.push(t) });
      expect(announced).toHaveLength(1);
      expect((await system.app.request('/v1/keys', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await system.close();
      await cleanup();
    }
  });
});

describe('JWTs from an identity provider (PGlite)', () => {
  const secret = 'a-shared-secret-of-at-least-32-characters!';
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite', { LEDGER_JWT_SECRET: secret, LEDGER_JWT_ISSUER: 'https://idp.example', LEDGER_JWT_AUDIENCE: 'ledger' });
  });
  afterAll(() => ledger.close());

  const sign = (claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: string | number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(opts.iss ?? 'https://idp.example')
      .setAudience(opts.aud ?? 'ledger')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(new TextEncoder().encode(secret));

  it('accepts a valid token with a role claim and records jwt:<sub> as the actor', async () => {
    const a = await ledger.openAccount();
    const token = await sign({ role: 'teller' });
    const r = await ledger.as({ token }).post(`/v1/accounts/${a}/deposits`, { amount: '2.00' });
    expect(r.status).toBe(201);
    const events = await ledger.as().get('/v1/events?limit=1000');
    const e = (events.body.items as Array<{ data: { transactionId?: string }; metadata: Record<string, unknown> }>).find((x) => x.data.transactionId === r.body.transactionId)!;
    expect(e.metadata).toMatchObject({ actor: 'jwt:alice', actorRole: 'teller' });
    // a teller may not read the raw log
    expect((await ledger.as({ token }).get('/v1/events')).status).toBe(403);
  });

  it('honours an accounts claim as the scope', async () => {
    const a = await ledger.openAccount();
    const b = await ledger.openAccount();
    const token = await sign({ role: 'auditor', accounts: [a] });
    expect((await ledger.as({ token }).get(`/v1/accounts/${a}`)).status).toBe(200);
    expect((await ledger.as({ token }).get(`/v1/accounts/${b}`)).status).toBe(403);
  });

  it('refuses wrong issuer, audience, expired tokens, unknown roles and bad signatures with 401', async () => {
    const bad = [
      await sign({ role: 'teller' }, { iss: 'https://evil.example' }),
      await sign({ role: 'teller' }, { aud: 'other' }),
      await sign({ role: 'teller' }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await sign({ role: 'root' }),
      (await sign({ role: 'admin' })).slice(0, -2) + 'xx',
    ];
    for (const token of bad) expect((await ledger.as({ token }).get('/v1/events')).status).toBe(401);
  });
});

describe('limits and headers (PGlite)', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite', { LEDGER_RATE_LIMIT_RPS: '1', LEDGER_RATE_LIMIT_BURST: '3', LEDGER_CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => ledger.close());

  it('rate limits per key with 429 and Retry-After, without touching other keys', async () => {
    const k1 = await ledger.key('auditor');
    const k2 = await ledger.key('auditor');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ledger.as(k1).get('/v1/events')).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const limited = await ledger.as(k1).get('/v1/events');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await ledger.as(k2).get('/v1/events')).status).toBe(200);
  });

  it('refuses a body over the limit with 413, and sends security and CORS headers', async () => {
    const admin = await ledger.key('admin');
    const big = { name: 'x'.repeat(70 * 1024), role: 'teller' };
    const r = await ledger.as(admin).post('/v1/keys', big);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('payload_too_large');
    const pre = await ledger.as(null).fetch('/v1/events', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } });
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const h = (await ledger.as(null).fetch('/healthz')).headers;
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('CORS off by default (PGlite)', () => {
  it('sends no CORS header when no origin is configured', async () => {
    const ledger = await startTestLedger('pglite');
    try {
      const r = await ledger.as().fetch('/v1/events', { headers: { origin: 'https://app.example' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await ledger.close();
    }
  });
});
