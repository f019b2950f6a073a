import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, verifyLedger } from '../../src/verify/verify-ledger.ts';
import { BACKENDS } from '../support/pg.ts';
import { ADMIN_TOKEN, type TestLedger, sampleBody, startTestLedger } from '../support/harness.ts';

/**
 * Hostile input at every route: generated bodies, headers, query strings and path params.
 * Asserts no 5xx, no state change on a refusal, the server stays up, and the ledger's invariants
 * (hash chain, read model = replay, money conserved) hold afterwards.
 */
const RUNS: Record<string, number> = { pglite: 10_000, postgres: 3000 };

const HOSTILE_STRINGS = [
  '__proto__',
  'constructor',
  'prototype',
  "' OR '1'='1",
  "1; DROP TABLE events; --",
  "'); DELETE FROM api_keys; --",
  '$1',
  '%00',
  '\u0000',
  '../../etc/passwd',
  '\u202e\u0041\u200b',
  '\ufeff',
  'ﬀ',
  '𝟘𝟙',
  '١٢٣',
  '🏦💸',
  'a'.repeat(5000),
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '99999999999999999999999999999999999999.99',
  '0.000000000000000000001',
  '9007199254740993',
  '-9223372036854775809',
  '0x10',
  '1_000',
  ' 10.00',
  '10.00\n',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double().map(String),
);

const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.double(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map((n) => Number(n)),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Percent-encodes the UTF-8 bytes of s: every byte (strict) or only those a URL cannot carry raw (a stray '%' stays). */
function percentEncode(s: string, strict: boolean): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const raw = strict ? /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) : byte > 0x20 && byte < 0x7f && !'/?#'.includes(String.fromCharCode(byte));
    out += raw ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
  }
  return out;
}

const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });

describe.each(BACKENDS)('hostile input at every route (%s)', (backend) => {
  let ledger: TestLedger;
  let operations: Array<{ method: string; path: string }>;
  let tokens: string[];
  let ids: { a: string; b: string };
  let tried = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    ids = { a: await ledger.openAccount({ deposit: '1000.00' }), b: await ledger.openAccount({ deposit: '1000.00' }) };
    tokens = [
      ADMIN_TOKEN,
      (await ledger.key('teller')).token,
      (await ledger.key('auditor')).token,
      (await ledger.key('analyst')).token,
      (await ledger.key('teller', [ids.a])).token,
    ];
    const doc = await ledger.as(null).get('/openapi.json');
    operations = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/v1/'))
      .flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
  });
  afterAll(async () => {
    console.log(`fuzz (${backend}): ${tried} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    await ledger.close();
  });

  it('never answers 5xx, and a refusal changes nothing but its own record', async () => {
    const request = fc.record({
      op: fc.constantFrom(...operations),
      method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'), { freq: 5 }),
      token: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...tokens) },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: headerValue },
        { weight: 1, arbitrary: fc.constant('lk_bootstrap_' + 'A'.repeat(43)) },
      ),
      param: fc.oneof(fc.constantFrom(ids.a, ids.b, 'no-such-account'), hostileString),
      encodeParam: fc.boolean(),
      query: fc.dictionary(fc.oneof(fc.constantFrom('limit', 'after', 'cursor', 'minPosition', 'partition', 'asOf', '__proto__', 'constructor[prototype]'), fc.string({ maxLength: 8 })), hostileString, { maxKeys: 4 }),
      headers: fc.record(
        {
          'idempotency-key': headerValue,
          'x-request-id': headerValue,
          'x-correlation-id': headerValue,
          'last-event-id': headerValue,
          'content-type': fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/evil+json', '', 'json'),
        },
        { requiredKeys: [] },
      ),
      body: fc.oneof(
        fc.constant(undefined),
        // a valid body: the request should succeed when the caller may make it
        fc.constant({ kind: 'valid' as const }),
        fc.constant({ kind: 'valid' as const }),
        // a valid body with one field replaced by something hostile, or a hostile extra field
        fc.tuple(fc.constantFrom('amount', 'currency', 'fromAccountId', 'toAccountId', 'name', 'role', 'accounts', 'reference', 'metadata', 'overdraftLimit', '__proto__'), hostileJsonValue).map(([k, v]) => ({ kind: 'mutate' as const, k, v })),
        fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        fc.constantFrom(
          '{"__proto__":{"role":"admin","isAdmin":true},"amount":"1.00"}',
          '{"constructor":{"prototype":{"polluted":true}},"currency":"USD"}',
          '{"amount":1e309}',
          '{"amount":"1.00","amount":"999999.00"}',
          '{"currency":"USD","metadata":{"__proto__":"x","constructor":"y"}}',
          `{"fromAccountId":"' OR 1=1 --","toAccountId":"x","amount":"1.00"}`,
          '{',
          '\u0000',
          'null',
          '[]',
          '"string"',
          '{"amount":"1.00"}'.repeat(10),
        ),
        fc.integer({ min: 1, max: 30_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
        fc.integer({ min: 1, max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
        fc.string({ maxLength: 200 }),
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        tried++;
        const method = r.method ?? r.op.method;
        const param = percentEncode(r.param, r.encodeParam);
        const qs = new URLSearchParams(Object.entries(r.query)).toString();
        const url = `http://localhost${r.op.path.replace('{id}', param || 'x')}${qs ? `?${qs}` : ''}`;
        let body: string | undefined;
        if (r.body !== undefined && method !== 'GET' && method !== 'HEAD') {
          if (typeof r.body === 'string') body = r.body;
          else if (r.body.kind === 'valid') body = JSON.stringify(sampleBody('POST', r.op.path, ids) ?? {});
          else {
            const base = (sampleBody('POST', r.op.path, ids) ?? {}) as Record<string, unknown>;
            body = r.body.k === '__proto__' ? JSON.stringify(base).replace(/^\{/, `{"__proto__":${JSON.stringify(r.body.v)},`) : JSON.stringify({ ...base, [r.body.k]: r.body.v });
          }
        }
        const headers: Record<string, string> = { ...r.headers };
        if (r.token !== null) headers.authorization = `Bearer ${r.token}`;
        const eventsBefore = ledger.system.engine!.stats.eventsAppended;
        const keysBefore = r.op.path.startsWith('/v1/keys') ? await ledger.system.keys.activeCount() : 0;

        const res = await ledger.as(null).fetch(url, { method, headers, body });
        if ((res.headers.get('content-type') ?? '').includes('event-stream')) await res.body?.cancel();
        else await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);

        expect(res.status, `${method} ${url} → ${res.status}`).toBeLessThan(500);
        if (res.status >= 400) {
          // A business refusal is recorded (one CommandRefused, so its key answers the same for good); nothing else is.
          const appended = ledger.system.engine!.stats.eventsAppended - eventsBefore;
          expect(appended).toBeLessThanOrEqual(1);
          if (appended === 1) expect((await ledger.system.log.last(0))?.type).toBe('CommandRefused');
          if (r.op.path.startsWith('/v1/keys')) expect(await ledger.system.keys.activeCount()).toBe(keysBefore);
          if (res.status !== 405 && method !== 'HEAD') expect(res.headers.get('content-type')).toContain('application/problem+json');
        }
      }),
      { numRuns: RUNS[backend], seed: 20261127, endOnFailure: true },
    );
    expect(tried).toBeGreaterThanOrEqual(RUNS[backend]!);
  }, 300_000);

  it('stays up, nothing got polluted, and the ledger invariants hold', async () => {
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await ledger.as(null).fetch('/healthz')).status).toBe(200);
    const again = await ledger.openAccount({ deposit: '1.00' });
    expect(ledger.system.engine!.account(again).status).toBe('open');
    await ledger.catchUp();
    const report = await verifyLedger(ledger.system.log, ledger.database.db);
    expect(report.chain.ok).toBe(true);
    expect(report.balances.mismatches).toEqual([]);
    // Money is conserved: the sum of balances is deposits minus withdrawals (transfers net to zero).
    let flows = new Decimal(0);
    let balances = new Decimal(0);
    for (let after = -1; ; ) {
      const page = await ledger.system.log.read(0, after, 5000);
      if (page.length === 0) break;
      for (const e of page) {
        const data = e.data as { amount?: string };
        if (e.type === 'FundsDeposited') flows = flows.plus(data.amount!);
        if (e.type === 'FundsWithdrawn') flows = flows.minus(data.amount!);
        after = e.position;
      }
    }
    const chain = await verifyChain(ledger.system.log);
    for (const { state: s } of chain.accounts.values()) if (s.status !== 'none') balances = balances.plus(s.balance.toString());
    expect(balances.toFixed()).toBe(flows.toFixed());
  });
});
