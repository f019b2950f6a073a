/**
 * The thread that owns the embedded database (pglite-thread.ts starts it): PGlite runs every statement
 * synchronously in WASM, so here it no longer holds up the main thread's HTTP, engine and projectors.
 * Statements run in arrival order; PGlite's own locks make a statement outside a transaction wait
 * until the open transaction ends, exactly as when PGlite ran in the main thread.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';
import { releaseStartupMemory } from '../release-startup-memory.ts';
import type { FromPglite, PgliteReady, PgliteWorkerData, RowMode, ToPglite } from './pglite-protocol.ts';
import { toWire } from './pglite-protocol.ts';
import { privateTree } from './private-files.ts';

const port = parentPort!;
const reply = (message: FromPglite) => port.postMessage(message);

/** Open transactions by id: the transaction and how to end it (commit or roll back, answering request `id`). */
const open = new Map<number, { tx: Transaction; end: (commit: boolean, id: number) => void }>();

/** drizzle's pglite driver keeps these types as the text PostgreSQL sends (dates, timestamps, intervals). */
const asText = (value: string) => value;
const parserSets = new Map<string, Record<number, (value: string) => string>>();
function parsersFor(types: readonly number[]): Record<number, (value: string) => string> {
  const key = types.join(',');
  let parsers = parserSets.get(key);
  if (!parsers) parserSets.set(key, (parsers = Object.fromEntries(types.map((t) => [t, asText]))));
  return parsers;
}

async function query(pg: PGlite, m: Extract<ToPglite, { op: 'query' }>): Promise<unknown> {
  const target = m.tx === null ? pg : open.get(m.tx)?.tx;
  if (!target) throw new Error(`transaction ${m.tx} is not open`);
  const rowMode: RowMode = m.rowMode;
  return target.query(m.sql, [...m.params], { rowMode, parsers: parsersFor(m.textTypes) });
}

/** Opens a transaction and answers `id` once inside it; it stays open until an `end` request for it. */
function begin(pg: PGlite, id: number): void {
  let endId = id;
  pg.transaction(async (tx) => {
    const commit = await new Promise<boolean>((resolve) => {
      open.set(id, { tx, end: (c, by) => ((endId = by), resolve(c)) });
      reply({ id, ok: true, result: null });
    });
    open.delete(id);
    if (!commit) await tx.rollback();
  }).then(
    () => reply({ id: endId, ok: true, result: null }),
    (err: unknown) => {
      open.delete(id);
      reply({ id: endId, ok: false, error: toWire(err) });
    },
  );
}

function handle(pg: PGlite, m: ToPglite): void {
  switch (m.op) {
    case 'query':
      query(pg, m).then(
        (result) => reply({ id: m.id, ok: true, result }),
        (err: unknown) => reply({ id: m.id, ok: false, error: toWire(err) }),
      );
      return;
    case 'begin':
      return begin(pg, m.id);
    case 'end': {
      const t = open.get(m.tx);
      if (t) t.end(m.commit, m.id);
      else reply({ id: m.id, ok: false, error: toWire(new Error(`transaction ${m.tx} is not open`)) });
      return;
    }
    case 'close':
      pg.close().then(
        () => reply({ id: m.id, ok: true, result: null }),
        (err: unknown) => reply({ id: m.id, ok: false, error: toWire(err) }),
      );
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

async function main(): Promise<void> {
  const { dir, settings } = workerData as PgliteWorkerData;
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...settings.flatMap((s) => ['-c', s])] });
    // A new database is unpacked from PGlite's bundled image with that image's modes (0666): narrow them.
    privateTree(dir);
  } catch (err) {
    port.postMessage({ ready: false, error: toWire(err) } satisfies PgliteReady);
    return;
  }
  port.on('message', (m: ToPglite) => handle(pg, m));
  port.postMessage({ ready: true } satisfies PgliteReady);
  releaseStartupMemory();
}

void main();
