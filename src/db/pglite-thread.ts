import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '../app/worker-entry.ts';
import { type FromPglite, type PgliteReady, type PgliteWorkerData, type RowMode, type ToPglite, fromWire } from './pglite-protocol.ts';

const WORKER = workerEntry(import.meta.url, 'pglite-worker');
const INITDB = workerEntry(import.meta.url, 'pglite-initdb');

/** What drizzle's pglite driver passes with each statement. */
interface QueryOptions {
  rowMode?: RowMode;
  parsers?: Record<number, unknown>;
}

/** The part of PGlite's interface drizzle's pglite driver and migrator use: statements and transactions. */
export interface PgliteQueryable {
  query(sql: string, params?: unknown[], options?: QueryOptions): Promise<unknown>;
}
export interface PgliteClient extends PgliteQueryable {
  transaction<T>(callback: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type Request = ToPglite extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/**
 * PGlite in a worker thread (pglite-worker.ts), seen from the main thread as the PGlite client drizzle
 * expects. Every statement is a message; a transaction stays on the worker's side, opened and ended by
 * messages, so nothing else runs in the database between its statements (PGlite's own locks, as in one
 * thread). If the worker dies, every waiting and later statement fails.
 */
export class PgliteThread implements PgliteClient {
  private readonly waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private readonly textTypes = new WeakMap<object, number[]>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromPglite) => this.receive(m));
    worker.on('error', (err) => this.fail(new Error(`the embedded database thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => this.fail(new Error(`the embedded database thread exited (code ${code})`)));
    worker.unref();
  }

  /** Starts the worker and opens the database in `dir` with these `name=value` settings. */
  static async open(dir: string, settings: readonly string[]): Promise<PgliteThread> {
    const workerData: PgliteWorkerData = { dir, settings };
    const worker = new Worker(WORKER.url, { workerData, ...WORKER.options });
    const ready = await new Promise<PgliteReady>((resolve, reject) => {
      const settle = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (m: PgliteReady) => (settle(), resolve(m));
      const onError = (err: Error) => (settle(), reject(err));
      const onExit = (code: number) => onError(new Error(`the embedded database thread exited before it opened the database (code ${code})`));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw fromWire(ready.error);
    }
    return new PgliteThread(worker);
  }

  /**
   * Creates the database in `dir` (initdb) in a child process of its own that exits once it is done:
   * its memory goes with it (in a thread, ~130 MB of it stayed resident in the serving process).
   */
  static async create(dir: string, settings: readonly string[]): Promise<void> {
    const child = fork(fileURLToPath(INITDB.url), INITDB.options.argv ?? [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await new Promise<PgliteReady>((resolve, reject) => {
      child.once('message', (m: PgliteReady) => resolve(m));
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`creating the embedded database failed: its process exited (${signal ?? `code ${code}`})`)));
      child.send({ dir, settings } satisfies PgliteWorkerData);
    });
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
    if (!ready.ready) throw fromWire(ready.error);
  }

  query(sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<unknown> {
    return this.statement(null, sql, params, options);
  }

  async transaction<T>(callback: (tx: PgliteQueryable) => Promise<T>): Promise<T> {
    const tx = ++this.nextId;
    await this.call({ op: 'begin' }, tx);
    const client: PgliteQueryable = { query: (sql, params = [], options = {}) => this.statement(tx, sql, params, options) };
    let result: T;
    try {
      result = await callback(client);
    } catch (err) {
      await this.call({ op: 'end', tx, commit: false }).catch(() => {});
      throw err;
    }
    await this.call({ op: 'end', tx, commit: true });
    return result;
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.call({ op: 'close' });
    this.failure = new Error('the embedded database is closed');
    await this.worker.terminate();
  }

  private statement(tx: number | null, sql: string, params: unknown[], options: QueryOptions): Promise<unknown> {
    return this.call({ op: 'query', tx, sql, params, rowMode: options.rowMode ?? 'object', textTypes: this.textTypesOf(options.parsers) });
  }

  private textTypesOf(parsers: Record<number, unknown> | undefined): number[] {
    if (!parsers) return [];
    let types = this.textTypes.get(parsers);
    if (!types) this.textTypes.set(parsers, (types = Object.keys(parsers).map(Number)));
    return types;
  }

  private call(request: Request, id = ++this.nextId): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      // While a reply is awaited, the worker keeps the process alive (as a pending socket would).
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id } as ToPglite);
    });
  }

  private receive(m: FromPglite): void {
    const waiter = this.waiting.get(m.id);
    if (!waiter) return;
    this.waiting.delete(m.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (m.ok) waiter.resolve(m.result);
    else waiter.reject(fromWire(m.error));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}
