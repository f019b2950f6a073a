import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { type PgliteClient, PgliteThread } from './pglite-thread.ts';
import { preparing } from './prepared.ts';
import { makePrivateDir } from './private-files.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Executor = Db | Tx;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** A database handle: drizzle over PGlite (embedded) or over the `postgres` driver (a server). */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** A raw driver for the few places that need a dedicated session (advisory locks). Null on PGlite. */
  readonly sql: postgres.Sql | null;
  /**
   * A handle whose statements run one after another in the order they were sent, each without
   * waiting for the one before it to answer (pipelined): on a server one connection of its own,
   * on PGlite the database itself (it runs statements in arrival order). The log's appends use it.
   */
  readonly ordered: Db;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a server; otherwise the embedded PGlite under dataDir (or in memory when dataDir is null). */
  url: string | null;
  dataDir: string | null;
  poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const client = (max: number) =>
      postgres(options.url!, {
        max,
        onnotice: () => {},
        // Keep numerics as strings: amounts never pass through a JS number.
        types: { numeric: { to: 1700, from: [1700], serialize: (v: string) => v, parse: (v: string) => v } },
      });
    const sql = client(options.poolSize ?? 10);
    // Opens its connection on first use (only the writer appends).
    const single = client(1);
    const db = drizzlePostgres(preparing(sql), { schema }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      sql,
      ordered: drizzlePostgres(preparing(single), { schema }) as unknown as Db,
      migrate: async () => {
        await sql`select 1`.catch((err: unknown) => {
          throw unreachable(options.url!, err);
        });
        await migrateUnderLock(sql);
      },
      close: async () => {
        await Promise.all([sql.end({ timeout: 5 }), single.end({ timeout: 5 })]);
      },
    };
  }
  const client: PgliteClient = options.dataDir ? await openOnDisk(options.dataDir) : await PGlite.create();
  const db = drizzlePglite({ client: client as unknown as PGlite, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    sql: null,
    ordered: db,
    migrate: () => migratePglite(drizzlePglite({ client: client as unknown as PGlite, schema }), { migrationsFolder: MIGRATIONS_DIR }),
    close: () => client.close(),
  };
}

/**
 * PostgreSQL settings of the embedded database: 128 MB of shared buffers (PGlite's default) were most
 * of an idle process's memory; 32 MB hold the working set of the hot tables (accounts, the log's tail).
 */
const EMBEDDED_SETTINGS = ['shared_buffers=32MB'];

/** The embedded database under a data directory, in its own thread (pglite-thread.ts), its files owner-only. */
async function openOnDisk(dataDir: string): Promise<PgliteThread> {
  const dir = path.resolve(dataDir, 'pgdata');
  makePrivateDir(dir);
  // Creating the database (initdb) leaves ~130 MB resident in the process that ran it (freed, kept by
  // the allocator): a first start creates it in a child process, which exits before this one opens it.
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await PgliteThread.create(dir, EMBEDDED_SETTINGS);
  return PgliteThread.open(dir, EMBEDDED_SETTINGS);
}

/** pg_advisory_lock key of the migrations: 'ledgermg' as a 64-bit number. */
const MIGRATION_LOCK_KEY = 0x6c65646765726d67n;

/**
 * Migrations, one process at a time: every service migrates at start (and compose's migrate job
 * before them), so processes starting together wait for each other on a session advisory lock
 * instead of racing through the same DDL. Needs two connections of the pool (the lock's and the migration's).
 */
async function migrateUnderLock(sql: postgres.Sql): Promise<void> {
  const session = await sql.reserve();
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    try {
      await migratePostgres(drizzlePostgres(sql, { schema }), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await session`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    }
  } finally {
    session.release();
  }
}

/** The rows of a raw `execute()` result: postgres-js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}

/** The first contact with PostgreSQL failed: say where (never the password) and why. */
export function unreachable(url: string, err: unknown): Error {
  const u = new URL(url);
  const e = err as { code?: string; message?: string };
  const cause = [e.code, e.message].filter(Boolean).join(' ');
  return new Error(`cannot reach PostgreSQL at ${u.hostname}:${u.port || '5432'} (database ${decodeURIComponent(u.pathname.slice(1)) || '(default)'}, from DATABASE_URL): ${cause || String(err)}`);
}
