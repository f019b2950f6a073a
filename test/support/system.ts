import { type System, startSystem } from '../../src/app/system.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { loadEnv } from '../../src/config/env.ts';
import type { Database } from '../../src/db/client.ts';
import { ensureKafka, uniqueTopic } from './kafka.ts';
import { type Backend, openTestDatabase } from './pg.ts';

export interface TestLedger {
  system: System;
  database: Database;
  /** JSON request against the in-process app, as the admin unless headers say otherwise. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  /** Stops the system (not the database) and starts a new one on the same data: a restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The admin token the test systems are started with. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** Where a test ledger keeps its log: the embedded table on PGlite or PostgreSQL, or a Kafka topic (read models on PostgreSQL). */
export type LogBackend = Backend | 'kafka';

/** The backends to run a suite on: PGlite, PostgreSQL, and Kafka when a broker is there (always in CI). */
export async function logBackends(): Promise<LogBackend[]> {
  return (await ensureKafka()) ? ['pglite', 'postgres', 'kafka'] : ['pglite', 'postgres'];
}

export async function startTestLedger(backend: LogBackend, extraEnv: Record<string, string> = {}): Promise<TestLedger> {
  let env: Record<string, string> = { LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, ...extraEnv };
  if (backend === 'kafka') {
    const brokers = await ensureKafka();
    if (!brokers) throw new Error('no Kafka broker');
    env = { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC: `${uniqueTopic('api')}.events`, ...env };
  }
  const { database, cleanup } = await openTestDatabase(backend === 'kafka' ? 'postgres' : backend);
  let system = await startSystem(loadEnv(env), { database, logger: silentLogger });
  const ledger: TestLedger = {
    get system() {
      return system;
    },
    database,
    async call(method, path, body, extraHeaders = {}) {
      const headers = { ...ADMIN, ...extraHeaders };
      const res = await system.app.request(path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { raw: text };
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async restart() {
      await system.close();
      system = await startSystem(loadEnv(env), { database, logger: silentLogger });
    },
    async close() {
      await system.close();
      await cleanup();
    },
  };
  return ledger;
}

/** Opens an account and funds it; returns its id. */
export async function openFunded(ledger: TestLedger, amount: string | null, extra: Record<string, unknown> = {}): Promise<string> {
  const opened = await ledger.call('POST', '/v1/accounts', { currency: 'USD', ...extra });
  if (opened.status !== 201) throw new Error(`open failed: ${JSON.stringify(opened.body)}`);
  const id = opened.body.id as string;
  if (amount) {
    const dep = await ledger.call('POST', `/v1/accounts/${id}/deposits`, { amount });
    if (dep.status !== 201) throw new Error(`deposit failed: ${JSON.stringify(dep.body)}`);
  }
  return id;
}
