import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import type { EngineCommand, LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { causes } from '../../src/errors.ts';
import { LogUnavailableError } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { verifyChain } from '../../src/verify/verify-ledger.ts';
import { commandContext } from '../support/commands.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';
import { WatchedLog, burst, checkAnswers, fencedWithTwoInFlight, readAll, settleAll, startEngine, transfer } from '../support/pipeline.ts';

/**
 * Pipelined appends on the PostgreSQL log (PGlite and a server): the engine decides a batch on top
 * of the one in flight and sends it, on the same connection, before that one answered. Break the
 * connection, poison a batch, or fence the writer with two batches in flight: nothing acknowledged
 * may be lost, nothing unacknowledged reported done, and every command retried under its key lands once.
 */
describe.each(BACKENDS)('pipelined appends on the PostgreSQL log on %s: two batches in flight', (backend) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  const closing: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    ({ database, cleanup } = await openTestDatabase(backend));
  });
  afterEach(async () => {
    for (const close of closing.splice(0)) await close().catch(() => {});
    await cleanup();
  });

  const openLog = async () => {
    // PGlite pipelines only when asked (its default is one append at a time): asked here, so the chain is tested on both.
    const log = await new PostgresEventLog(database, { pipeline: 2 }).start();
    closing.push(() => log.close());
    return log;
  };
  const watched = async (): Promise<{ log: WatchedLog; engine: LedgerEngine }> => {
    const log = new WatchedLog(await openLog());
    const engine = await startEngine(log);
    closing.push(async () => engine.stop());
    return { log, engine };
  };

  it('the engine keeps two appends in flight under load; every request is answered after its own append, the log without gaps', async () => {
    const { log, engine } = await watched();
    const keys = Array.from({ length: 3000 }, (_, i) => `ok-${i}`);
    const results = await burst(engine, keys);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(log.mostInFlight).toBe(2);
    const events = await readAll(log);
    expect(events.map((e) => e.position)).toEqual(events.map((_, i) => i));
    checkAnswers(keys, results, events);
    await settleAll(engine, [], keys, openLog);
  }, 120_000);

  it('a batch the log refuses with another in flight behind it: its one bad command is refused, every other lands once', async () => {
    const { log, engine } = await watched();
    await burst(engine, ['warm']);
    const keys = Array.from({ length: 600 }, (_, i) => `poison-${i}`);
    let poisoned: Promise<unknown> | null = null;
    log.pipelinedBefore = 3;
    log.onPipelined = () => {
      // Joins the next batch, decided on top of two in flight.
      const bad = { ...transfer('bad'), reference: 'nul \u0000 here' } as EngineCommand;
      poisoned = engine.execute(bad, commandContext('bad')).then(
        () => 'accepted',
        (err: unknown) => err,
      );
    };
    const results = await burst(engine, keys);
    expect(await poisoned).toMatchObject({ code: 'validation_failed' });
    expect(results.every((r) => r.ok)).toBe(true);
    checkAnswers(keys, results, await readAll(log));
    await settleAll(engine, [], ['warm', ...keys], openLog);
  }, 120_000);

  it('writer fenced with two batches in flight: the rival sees every acknowledged command, the fenced writer acknowledges nothing more', async () => {
    const { log, engine } = await watched();
    await burst(engine, ['warm']);
    await fencedWithTwoInFlight(log, engine, await openLog(), openLog);
  }, 120_000);

  it.skipIf(backend !== 'postgres')('the connection cut with two batches in flight (every backend of the database terminated): nothing acknowledged lost, retries land once', async () => {
    const { log, engine } = await watched();
    await burst(engine, ['warm']);
    let cutInFlight = 0;
    let cutting: Promise<void> | null = null;
    log.pipelinedBefore = 5;
    log.onPipelined = () => {
      cutInFlight = log.inFlight;
      cutting = cutWhileBlocked(database);
    };
    const keys = Array.from({ length: 600 }, (_, i) => `cut-${i}`);
    const results = await burst(engine, keys);
    await cutting;
    expect(cutInFlight).toBe(2);
    const failed = results.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) expect(f.ok === false && f.error).toBeInstanceOf(LogUnavailableError);
    const counts = checkAnswers(keys, results, await onceReconnected(() => readAll(log)));
    console.log(`connection cut with two batches in flight: ${counts.acked} acknowledged, ${counts.unknown} failed but landed (outcome unknown), ${counts.notWritten} failed and not written`);
    await settleAll(engine, keys.filter((_, i) => !results[i]!.ok), ['warm', ...keys], openLog);
    expect((await verifyChain(log)).ok).toBe(true);
  }, 120_000);
});

/**
 * The first query after the cut may wait out postgres.js's connect_timeout (30 s) and fail with
 * CONNECT_TIMEOUT: a pool connection that was starting up when its backend was terminated is
 * retried only then (what porsager/postgres#1193 describes, we think; seen once in CI, 2026-12-08). The log
 * is not what failed: read again.
 */
async function onceReconnected<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!connectTimedOut(err)) throw err;
    return read();
  }
}

function connectTimedOut(err: unknown): boolean {
  for (const e of causes(err)) if (e.code === 'CONNECT_TIMEOUT') return true;
  return false;
}

/**
 * Holds the writer lease's row (appends take it FOR SHARE, so the next ones wait on the server with
 * their statements sent), then terminates every other backend of the database: the appends waiting
 * on the append connection are cut in flight. Then lets go.
 */
async function cutWhileBlocked(database: Database): Promise<void> {
  const locker = await database.sql!.reserve();
  try {
    await locker`begin`;
    await locker`select 1 from writer_lease where id = 1 for update`;
    await new Promise((r) => setTimeout(r, 200));
    await locker`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    await locker`commit`;
  } finally {
    locker.release();
  }
}
