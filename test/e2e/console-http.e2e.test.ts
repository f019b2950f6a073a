import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, startTestLedger } from '../support/harness.ts';

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});

/** The console's HTTP edges, without a browser. */
describe('console sessions and forms over HTTP', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite');
  });
  afterAll(() => ledger?.close());

  const request = (path: string, init?: RequestInit) => Promise.resolve(ledger.system.app.request(path, init));

  it('sets an HttpOnly, SameSite=Strict cookie, Secure behind a TLS proxy, and never echoes the key', async () => {
    const token = (await ledger.key('auditor')).token;
    const res = await request('/console/sign-in', form({ apiKey: token }, { 'x-forwarded-proto': 'https' }));
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^ledger_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; Secure; SameSite=Strict$/);
    expect(cookie).not.toContain(token);
    const home = await request('/console/home', { headers: { cookie: cookie.split(';')[0]! } });
    expect(home.status).toBe(200);
    expect(await home.text()).not.toContain(token);
  });

  it('refuses cross-site posts, posts without the CSRF token, and oversized forms', async () => {
    const token = (await ledger.key('teller')).token;
    expect((await request('/console/sign-in', form({ apiKey: token }, { 'sec-fetch-site': 'cross-site' }))).status).toBe(403);
    expect((await request('/console/sign-in', form({ apiKey: token }, { origin: 'https://evil.example' }))).status).toBe(403);
    const cookie = (await request('/console/sign-in', form({ apiKey: token }))).headers.get('set-cookie')!.split(';')[0]!;
    const id = await ledger.openAccount();
    expect((await request(`/console/accounts/${id}/freeze`, form({ reason: 'x' }, { cookie }))).status).toBe(403);
    expect((await request(`/console/accounts/${id}/freeze`, form({ _csrf: 'wrong', reason: 'x' }, { cookie }))).status).toBe(403);
    expect((await request('/console/sign-in', form({ apiKey: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await ledger.as().get<{ status: string }>(`/v1/accounts/${id}`)).body.status).toBe('open');
  });

  it('ends the session when its key is revoked', async () => {
    const key = await ledger.key('auditor');
    const cookie = (await request('/console/sign-in', form({ apiKey: key.token }))).headers.get('set-cookie')!.split(';')[0]!;
    expect((await request('/console/accounts', { headers: { cookie } })).status).toBe(200);
    expect((await ledger.as().fetch(`/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    const after = await request('/console/accounts', { headers: { cookie, accept: 'text/html' } });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/console');
    // The session is gone, not only this answer.
    expect((await request('/console/home', { headers: { cookie, accept: 'text/html' } })).headers.get('location')).toBe('/console');
  });
});
