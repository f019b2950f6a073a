import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/roles.ts';
import { can } from '../../src/console/access.ts';
import { edgesOf } from '../../src/console/graph.tsx';
import { parseLag } from '../../src/console/pages/operator.tsx';
import { SessionStore, csrfMatches } from '../../src/console/session.ts';

const principal = (role: Principal['role'], accounts: string[] | null = null, expiresAt?: number): Principal => ({
  actor: `key:${role}`,
  keyId: role,
  role,
  accounts: accounts ? new Set(accounts) : null,
  ...(expiresAt === undefined ? {} : { expiresAt }),
});

describe('console sessions', () => {
  it('expire when idle, when too old, and with the credential', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 100, maxAgeMs: 250, maxSessions: 10 }, () => now);
    const s = store.create('token', principal('auditor'));
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    now = 90;
    expect(store.get(s.id)).toBe(s); // use pushes the idle expiry back
    now = 180;
    expect(store.get(s.id)).toBe(s);
    now = 250;
    expect(store.get(s.id)).toBeNull(); // max age
    const idle = store.create('token', principal('auditor'));
    now = 351;
    expect(store.get(idle.id)).toBeNull();
    const jwt = store.create('jwt', principal('analyst', null, now + 10));
    now += 10;
    expect(store.get(jwt.id)).toBeNull();
    expect(store.get(undefined)).toBeNull();
    expect(store.get('unknown')).toBeNull();
  });

  it('keeps at most maxSessions, dropping the oldest, and signs out', () => {
    const store = new SessionStore({ idleMs: 1000, maxAgeMs: 1000, maxSessions: 2 }, () => 0);
    const [a, b, c] = [store.create('a', principal('teller')), store.create('b', principal('teller')), store.create('c', principal('teller'))];
    expect([store.get(a.id), store.get(b.id)?.token, store.get(c.id)?.token]).toEqual([null, 'b', 'c']);
    store.delete(b.id);
    expect(store.size).toBe(1);
  });

  it('matches the CSRF token exactly', () => {
    const s = new SessionStore().create('t', principal('teller'));
    expect(csrfMatches(s, s.csrf)).toBe(true);
    expect(csrfMatches(s, `${s.csrf}x`)).toBe(false);
    expect(csrfMatches(s, s.csrf.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a')))).toBe(false);
    expect(csrfMatches(s, undefined)).toBe(false);
  });
});

describe('console access follows the API authorization table', () => {
  it('by role', () => {
    expect(can(principal('teller'), 'POST', '/v1/accounts/{id}/freeze', 'x')).toBe(true);
    expect(can(principal('auditor'), 'POST', '/v1/accounts/{id}/freeze', 'x')).toBe(false);
    expect(can(principal('analyst'), 'POST', '/v1/fraud/alerts/{id}/status')).toBe(true);
    expect(can(principal('teller'), 'GET', '/v1/fraud/alerts')).toBe(false);
    expect(can(principal('auditor'), 'GET', '/v1/events/stream')).toBe(true);
    expect(can(principal('admin'), 'GET', '/v1/keys')).toBe(true);
    expect(can(principal('auditor'), 'GET', '/v1/keys')).toBe(false);
    expect(can(principal('admin'), 'GET', '/v1/not-a-route')).toBe(false);
  });

  it('by account scope', () => {
    const scoped = principal('teller', ['a1']);
    expect(can(scoped, 'POST', '/v1/accounts/{id}/freeze', 'a1')).toBe(true);
    expect(can(scoped, 'POST', '/v1/accounts/{id}/freeze', 'a2')).toBe(false);
    expect(can(scoped, 'GET', '/v1/accounts')).toBe(false);
  });
});

describe('console helpers', () => {
  it('reads projector lag out of the Prometheus text', () => {
    const text = [
      '# HELP ledger_projector_lag_events Events in the log not yet projected',
      'ledger_projector_lag_events{projector="ledger",partition="1"} 3',
      'ledger_projector_lag_seconds{projector="ledger",partition="1"} 0.5',
      'ledger_projector_lag_events{projector="audit",partition="0"} 0',
      'ledger_http_requests_total{method="GET"} 9',
    ].join('\n');
    expect(parseLag(text)).toEqual([
      { projector: 'audit', partition: '0', events: '0', seconds: '—' },
      { projector: 'ledger', partition: '1', events: '3', seconds: '0.5' },
    ]);
  });

  it('sums the money flowing each way between two accounts in decimal', () => {
    const t = (from: string | null, to: string | null, amount: string) => ({ id: amount, kind: 'transfer', fromAccountId: from, toAccountId: to, amount, currency: 'USD', reference: null, channel: null, actor: 'x', occurredAt: '', position: 0 });
    expect(edgesOf([t('a', 'b', '0.10'), t('a', 'b', '0.20'), t(null, 'a', '-5.00')])).toEqual([
      { from: 'a', to: 'b', count: 2, total: '0.30' },
      { from: 'outside the ledger', to: 'a', count: 1, total: '5.00' },
    ]);
  });
});
