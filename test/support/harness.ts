import { type System, type SystemOptions, startSystem } from '../../src/app/system.ts';
import { silentLogger } from '../../src/app/logger.ts';
import type { Role } from '../../src/auth/roles.ts';
import { loadEnv } from '../../src/config/env.ts';
import type { Database } from '../../src/db/client.ts';
import { ensureKafka, uniqueTopic } from './kafka.ts';
import { type Backend, openTestDatabase, selectedBackends } from './pg.ts';

/**
 * The one test harness: a real system (engine, projectors, HTTP app) on a fresh database, and a
 * client per caller. Every test that talks to the API goes through `startTestLedger(...).as(...)`.
 */

/** The bootstrap admin token every test ledger is started with. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export const bearer = (token: string): { authorization: string } => ({ authorization: `Bearer ${token}` });

/** Where a test ledger keeps its log: the embedded table on PGlite or PostgreSQL, or a Kafka topic (read models on PostgreSQL). */
export type LogBackend = Backend | 'kafka';

/** The backends to run a suite on: PGlite, PostgreSQL, and Kafka when a broker is there (always in CI). */
export async function logBackends(): Promise<LogBackend[]> {
  const all: LogBackend[] = ['pglite', 'postgres', 'kafka'];
  const wanted = selectedBackends(all);
  return wanted.includes('kafka') && !(await ensureKafka()) ? wanted.filter((b) => b !== 'kafka') : wanted;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  /** The JSON body ({} when empty, { raw } when not JSON). */
  body: T;
  headers: Headers;
}

/** Who calls: undefined is the bootstrap admin, a role is that role's API key, null is no token, { token } is that token. */
export type Caller = Role | null | { token: string };

type Json = Record<string, unknown>;
type Send = (path: string, init: RequestInit) => Promise<Response>;

/** Requests as one caller. JSON in and out; `fetch` for what is not JSON (streams, PDF, CSV). */
export interface Client {
  get<T = Json>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  /** A string body is sent as it is (malformed JSON, other media types). */
  post<T = Json>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  delete<T = Json>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  request<T = Json>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  fetch(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<Response>;
}

/** A client over any transport: the in-process app, or a real server (`remoteClient`). */
function client(send: Send, token: () => Promise<string | null>): Client {
  const raw: Client['fetch'] = async (path, init = {}) => {
    const t = await token();
    return send(path, { ...init, headers: { ...(t === null ? {} : bearer(t)), ...init.headers } });
  };
  const request = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> => {
    const h = body === undefined ? headers : { 'content-type': 'application/json', ...headers };
    const res = await raw(path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body, headers),
    delete: (path, headers) => request('DELETE', path, undefined, headers),
    request,
    fetch: raw,
  };
}

/** A client of a server running as its own process (base: http://host:port), with a token or none. */
export function remoteClient(base: string, token: string | null = ADMIN_TOKEN): Client {
  return client((path, init) => fetch(base + path, init), () => Promise.resolve(token));
}

/** The body of a 201 reply; throws with the reply otherwise. For setup steps, not for the behaviour under test. */
export function created<T>(reply: Reply<T>): T {
  if (reply.status !== 201) throw new Error(`expected 201, got ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** The query that makes a read wait for a command's position (and its partition, on a partitioned log). */
export function minPosition(reply: { position?: unknown; partition?: unknown }): string {
  const partition = typeof reply.partition === 'number' ? `&partition=${reply.partition}` : '';
  return `minPosition=${String(reply.position)}${partition}`;
}

export interface OpenAccount {
  currency?: string;
  /** Deposited right after the opening. */
  deposit?: string;
  ownerId?: string;
  overdraftLimit?: string;
}

export interface TestLedger {
  /** The running system (a new one after restart()). */
  readonly system: System;
  database: Database;
  /** The PostgreSQL URL of the database, null on PGlite. */
  url: string | null;
  /** A client for a caller: as() the bootstrap admin, as('teller') a teller key, as(null) anonymous, as({ token }). */
  as(caller?: Caller): Client;
  /** Creates a new API key through the API (as the bootstrap admin), scoped to accounts when given. */
  key(role: Role, accounts?: string[] | null): Promise<{ id: string; token: string }>;
  /** Opens an account (as the bootstrap admin), deposits when asked, and waits until the read model has it; returns its id. */
  openAccount(account?: OpenAccount): Promise<string>;
  /** Returns once every projector has applied everything the engine has written. */
  catchUp(): Promise<void>;
  /** Stops the system (not the database), runs whileDown, and starts a new system on the same data. */
  restart(whileDown?: (stopped: System) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A test ledger on PGlite, PostgreSQL or Kafka (a topic of its own; read models on PostgreSQL).
 * env is merged over the defaults (bootstrap admin token, no rate limit); options go to startSystem.
 */
export async function startTestLedger(backend: LogBackend, env: Record<string, string> = {}, options: Partial<SystemOptions> = {}): Promise<TestLedger> {
  let fullEnv: Record<string, string> = { LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LEDGER_RATE_LIMIT_RPS: '0', ...env };
  if (backend === 'kafka') {
    const brokers = await ensureKafka();
    if (!brokers) throw new Error('no Kafka broker');
    fullEnv = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: `${uniqueTopic('api')}.events`, ...fullEnv };
  }
  const { database, url, cleanup } = await openTestDatabase(backend === 'kafka' ? 'postgres' : backend);
  const start = () => startSystem(loadEnv(fullEnv), { database, logger: silentLogger, ...options });
  let system = await start();
  const send: Send = (path, init) => Promise.resolve(system.app.request(path, init));
  const roleTokens = new Map<Role, Promise<string>>();

  const ledger: TestLedger = {
    get system() {
      return system;
    },
    database,
    url,
    as(caller) {
      return client(send, async () => {
        if (caller === undefined) return ADMIN_TOKEN;
        if (caller === null) return null;
        if (typeof caller === 'object') return caller.token;
        return roleToken(caller);
      });
    },
    async key(role, accounts = null) {
      const body = created(await ledger.as().post('/v1/keys', { name: `${role} key`, role, ...(accounts ? { accounts } : {}) }));
      return { id: body.id as string, token: body.token as string };
    },
    async openAccount({ deposit, currency = 'USD', ...rest } = {}) {
      const admin = ledger.as();
      let last = created(await admin.post('/v1/accounts', { currency, ...rest }));
      const id = last.id as string;
      if (deposit) last = created(await admin.post(`/v1/accounts/${id}/deposits`, { amount: deposit }));
      // Read-your-writes (answers 409 after LEDGER_MIN_POSITION_WAIT_MS when the projectors are stopped).
      await admin.get(`/v1/accounts/${id}?${minPosition(last)}`);
      return id;
    },
    catchUp: () => catchUp(system),
    async restart(whileDown) {
      await system.close();
      await whileDown?.(system);
      system = await start();
    },
    async close() {
      await system.close();
      await cleanup();
    },
  };

  function roleToken(role: Role): Promise<string> {
    let token = roleTokens.get(role);
    if (!token) {
      token = ledger.key(role).then((k) => k.token);
      token.catch(() => roleTokens.delete(role));
      roleTokens.set(role, token);
    }
    return token;
  }
  return ledger;
}

/** Catches every projector of the system up with everything the engine has written. */
async function catchUp(system: System): Promise<void> {
  await system.engine?.drain();
  await system.catchUp();
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
