/** Messages between the main thread (pglite-thread.ts) and the thread that owns PGlite (pglite-worker.ts). */

export type RowMode = 'array' | 'object';

export type ToPglite =
  /** One statement, in the open transaction `tx` or on its own (then it waits for any open transaction to end). */
  | { op: 'query'; id: number; tx: number | null; sql: string; params: readonly unknown[]; rowMode: RowMode; textTypes: readonly number[] }
  /** Opens a transaction; its id is this request's id. */
  | { op: 'begin'; id: number }
  /** Commits (or rolls back) the transaction `tx`; answered once it has ended. */
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'close'; id: number };

/** A database error as plain fields (SQLSTATE `code`, `detail`, …): an Error's own properties do not survive postMessage. */
export interface WireError {
  name: string;
  message: string;
  fields: Record<string, string | number>;
}

export type FromPglite = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };

/** The worker's first message: the database is open (or could not be opened). */
export type PgliteReady = { ready: true } | { ready: false; error: WireError };

export interface PgliteWorkerData {
  /** The PGlite data directory (<LEDGER_DATA_DIR>/pgdata), already created 0700 by the main thread. */
  dir: string;
  /** `-c name=value` settings for this start only (nothing is written to postgresql.conf). */
  settings: readonly string[];
}

export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(err)) if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  return { name: err.name, message: err.message, fields };
}

export function fromWire(wire: WireError): Error {
  const err = Object.assign(new Error(wire.message), wire.fields);
  err.name = wire.name;
  return err;
}
