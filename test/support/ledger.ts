import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type System, startSystem } from '../../src/app/system.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { loadEnv } from '../../src/config/env.ts';
import type { Database } from '../../src/db/client.ts';
import { type Backend, openTestDatabase } from './pg.ts';
import { ADMIN, ADMIN_TOKEN } from './system.ts';

export interface Ledger {
  system: System;
  database: Database;
  url: string | null;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  raw(path: string): Promise<Response>;
  catchUp(): Promise<void>;
  close(): Promise<void>;
}

/** A real system (engine, projections, HTTP app) on a fresh PGlite or PostgreSQL database. */
export async function startLedger(backend: Backend): Promise<Ledger> {
  const { database, url, cleanup } = await openTestDatabase(backend);
  const system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN }), { database, logger: silentLogger });
  return {
    system,
    database,
    url,
    async call(method, p, body, extra = {}) {
      const headers = { ...ADMIN, ...extra };
      const res = await system.app.request(p, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
    },
    raw: (p) => Promise.resolve(system.app.request(p, { headers: ADMIN })),
    async catchUp() {
      for (const r of system.runners) await r.catchUp();
    },
    async close() {
      await system.close();
      await cleanup();
    },
  };
}

export async function openAccount(ledger: Ledger, body: Record<string, unknown> = {}): Promise<string> {
  const res = await ledger.call('POST', '/v1/accounts', { currency: 'USD', ...body });
  if (res.status !== 201) throw new Error(`open failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function move(ledger: Ledger, kind: 'deposits' | 'withdrawals', id: string, amount: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await ledger.call('POST', `/v1/accounts/${id}/${kind}`, { amount, ...extra }, headers);
  if (res.status !== 201) throw new Error(`${kind} failed: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function transfer(ledger: Ledger, from: string, to: string, amount: string, reference?: string): Promise<Record<string, unknown>> {
  const res = await ledger.call('POST', '/v1/transfers', { fromAccountId: from, toAccountId: to, amount, ...(reference ? { reference } : {}) });
  if (res.status !== 201) throw new Error(`transfer failed: ${JSON.stringify(res.body)}`);
  return res.body;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'ledger-reports-'));
let counter = 0;

/** Saves bytes to a temporary file and returns its path. */
export function saveTemp(bytes: Buffer, ext: string): string {
  const file = path.join(scratch, `r${++counter}.${ext}`);
  writeFileSync(file, bytes);
  return file;
}

export function pdfText(file: string, page?: number): string {
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

export function pdfPages(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/Pages:\s+(\d+)/.exec(info)![1]);
}

/** The data hash an auditor computes from a CSV: SHA-256 of everything after the header line. */
export function csvDataHash(csv: Buffer): string {
  const headerEnd = csv.indexOf('\r\n') + 2;
  return createHash('sha256').update(csv.subarray(headerEnd)).digest('hex');
}

export function printedHash(text: string): string {
  return /Data SHA-256 \(\d+ rows\):\s+([0-9a-f]{64})/.exec(text)![1]!;
}
