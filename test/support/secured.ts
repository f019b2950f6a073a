import { type System, type SystemOptions, startSystem } from '../../src/app/system.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { Role } from '../../src/auth/roles.ts';
import { loadEnv } from '../../src/config/env.ts';
import type { Database } from '../../src/db/client.ts';
import { type Backend, openTestDatabase } from './pg.ts';

export const BOOTSTRAP_TOKEN = 'test-bootstrap-admin-token-0123456789';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export interface SecuredLedger {
  system: System;
  database: Database;
  /** JSON request with a bearer token (null: none). */
  call(token: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Creates an API key through the API as the bootstrap admin; returns its id and token. */
  key(role: Role, accounts?: string[] | null): Promise<{ id: string; token: string }>;
  /** Opens an account (as admin) and deposits into it; returns its id. */
  account(deposit?: string, currency?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startSecuredLedger(backend: Backend, env: Record<string, string> = {}, options: Partial<SystemOptions> = {}): Promise<SecuredLedger> {
  const { database, cleanup } = await openTestDatabase(backend);
  const system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, LEDGER_RATE_LIMIT_RPS: '0', ...env }), { database, logger: silentLogger, ...options });
  const ledger: SecuredLedger = {
    system,
    database,
    async call(token, method, path, body, headers = {}) {
      const h: Record<string, string> = { ...headers };
      if (token !== null) h.authorization = `Bearer ${token}`;
      if (body !== undefined) h['content-type'] ??= 'application/json';
      const res = await system.app.request(path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { raw: text };
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async key(role, accounts = null) {
      const r = await ledger.call(BOOTSTRAP_TOKEN, 'POST', '/v1/keys', { name: `${role} key`, role, ...(accounts ? { accounts } : {}) });
      if (r.status !== 201) throw new Error(`key creation failed: ${JSON.stringify(r.body)}`);
      return { id: r.body.id as string, token: r.body.token as string };
    },
    async account(deposit, currency = 'USD') {
      const opened = await ledger.call(BOOTSTRAP_TOKEN, 'POST', '/v1/accounts', { currency });
      if (opened.status !== 201) throw new Error(`open failed: ${JSON.stringify(opened.body)}`);
      const id = opened.body.id as string;
      let position = opened.body.position as number;
      if (deposit) {
        const d = await ledger.call(BOOTSTRAP_TOKEN, 'POST', `/v1/accounts/${id}/deposits`, { amount: deposit });
        if (d.status !== 201) throw new Error(`deposit failed: ${JSON.stringify(d.body)}`);
        position = d.body.position as number;
      }
      // Read-your-writes: wait until the read model has the account (answers 409 after a while if projectors are stopped).
      await ledger.call(BOOTSTRAP_TOKEN, 'GET', `/v1/accounts/${id}?minPosition=${position}`);
      return id;
    },
    async close() {
      await system.close();
      await cleanup();
    },
  };
  return ledger;
}

/** A plausible valid body for a route, so an allowed caller gets past validation. */
export function sampleBody(method: string, path: string, ids: { a: string; b: string }): unknown {
  if (method !== 'POST') return undefined;
  if (path === '/v1/accounts') return { currency: 'USD' };
  if (path === '/v1/transfers') return { fromAccountId: ids.a, toAccountId: ids.b, amount: '1.00' };
  if (path === '/v1/keys') return { name: 'sample', role: 'auditor' };
  if (path.endsWith('/deposits') || path.endsWith('/withdrawals')) return { amount: '1.00' };
  return {};
}
