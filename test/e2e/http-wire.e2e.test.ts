import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_PATHS } from '../../src/console/assets.ts';
import { startHttpServer } from '../../src/http/server.ts';
import { ADMIN_TOKEN, type TestLedger, startTestLedger } from '../support/harness.ts';

/**
 * Served over a socket, the fixed response headers go onto the node response and the body limit is
 * decided from Content-Length (src/http/node-env.ts, middleware/limits.ts); in-process (app.request)
 * the same middleware takes its other branch. Both must answer the same.
 */
const VARYING = new Set(['date', 'x-request-id', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);
const fixed = (h: Headers) => [...h].filter(([k]) => !VARYING.has(k)).sort(([a], [b]) => a.localeCompare(b));

describe('the same headers and limits in-process and over a socket (PGlite)', () => {
  let ledger: TestLedger;
  let server: http.Server;
  let base: string;
  let ids: { a: string; b: string };
  beforeAll(async () => {
    ledger = await startTestLedger('pglite', { LEDGER_BODY_LIMIT_BYTES: '4096' });
    ids = { a: await ledger.openAccount({ deposit: '100.00' }), b: await ledger.openAccount() };
    server = await startHttpServer(ledger.system.app, { port: 0, hostname: '127.0.0.1', requestTimeoutMs: 5000, headersTimeoutMs: 5000 });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(() => r(null)));
    await ledger.close();
  });

  const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const cases: Array<[string, string, RequestInit]> = [
    ['a transfer', '/v1/transfers', { method: 'POST', headers: auth, body: JSON.stringify({ fromAccountId: '$a', toAccountId: '$b', amount: '1.00' }) }],
    ['a validation problem', '/v1/transfers', { method: 'POST', headers: auth, body: '{"amount":"1.00","amount":"2.00"}' }],
    ['an unauthenticated request', '/v1/events', { headers: {} }],
    ['no such route', '/nowhere', {}],
    ['a read', '/v1/accounts/$a', { headers: auth }],
    ['the API reference', '/docs', {}],
    ['a console page', '/console/login', {}],
    ['a console asset with its own Cache-Control', ASSET_PATHS.styles, {}],
  ];

  it.each(cases)('%s', async (_, path, init) => {
    const fill = (s: string) => s.replace('$a', ids.a).replace('$b', ids.b);
    const body = typeof init.body === 'string' ? fill(init.body) : undefined;
    const inProcess = await ledger.system.app.request(fill(path), { ...init, body });
    const wire = await fetch(base + fill(path), { ...init, body });
    expect(wire.status).toBe(inProcess.status);
    expect(fixed(wire.headers)).toEqual(fixed(inProcess.headers));
    expect(wire.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(wire.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses a body over the limit by its Content-Length and while reading a chunked one', async () => {
    const big = JSON.stringify({ fromAccountId: ids.a, toAccountId: ids.b, amount: '1.00', reference: 'x'.repeat(5000) });
    const declared = await fetch(`${base}/v1/transfers`, { method: 'POST', headers: auth, body: big });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { code: string }).code).toBe('payload_too_large');
    const chunked = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(`${base}/v1/transfers`, { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
        req.end();
      });
    expect(await chunked(big)).toBe(413);
    expect(await chunked(JSON.stringify({ fromAccountId: ids.a, toAccountId: ids.b, amount: '1.00' }))).toBe(201);
  });
});
