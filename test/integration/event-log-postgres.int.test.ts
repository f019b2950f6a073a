import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import type { NewEvent } from '../../src/log/envelope.ts';
import { AppendNotWrittenError, LogRejectedError, WriterFencedError } from '../../src/log/event-log.ts';
import { PostgresEventLog, type PostgresEventLogOptions } from '../../src/log/postgres-event-log.ts';
import { depositEvent } from '../support/commands.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';
import { eventLogConformance } from './event-log.conformance.ts';

for (const backend of BACKENDS) {
  eventLogConformance(`postgres (${backend})`, async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    let n = 0;
    return {
      open: (db: Database = database) => new PostgresEventLog(db, { holder: `conformance-${++n}` }).start(),
      // The same stream version twice violates unique(stream_id, stream_version) after the first rows went in.
      poison: (batch) => [...batch, { ...batch[0]!, eventId: crypto.randomUUID() }],
      cleanup,
      crossInstanceWakeups: backend === 'postgres',
    };
  });
}

describe.each(BACKENDS)('the writer lease of the PostgreSQL log on %s', (backend) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ database, cleanup } = await openTestDatabase(backend));
  });
  afterEach(async () => cleanup());

  const open = (options: PostgresEventLogOptions = {}) => new PostgresEventLog(database, { leaseMs: 2000, ...options }).start();
  // Long enough that a loaded machine does not lapse a lease between two statements of a test.
  const lapse = () => new Promise((r) => setTimeout(r, 2200));

  it('is taken only once it expired, with the epoch bumped: the previous writer can neither renew nor append', async () => {
    const first = await open();
    const second = await open();
    expect(await first.tryAcquireWriter()).toBe(true);
    expect(await second.tryAcquireWriter()).toBe(false);
    await first.renewWriter();
    expect(await second.tryAcquireWriter()).toBe(false);
    await first.append([event(0)]);
    await lapse();
    expect(await second.tryAcquireWriter()).toBe(true);
    await expect(first.renewWriter()).rejects.toBeInstanceOf(WriterFencedError);
    await expect(first.append([event(1)])).rejects.toBeInstanceOf(WriterFencedError);
    const [stored] = await second.append([event(1)]);
    expect(stored!.position).toBe(1);
  });

  it('a lapsed lease nobody took is renewed by its holder; a released one is taken at once', async () => {
    const first = await open();
    const second = await open();
    expect(await first.tryAcquireWriter()).toBe(true);
    await lapse();
    await first.renewWriter();
    await first.append([event(0)]);
    expect(await second.tryAcquireWriter()).toBe(false);
    await first.releaseWriter();
    expect(await second.tryAcquireWriter()).toBe(true);
    await expect(first.append([event(1)])).rejects.toBeInstanceOf(WriterFencedError);
  });

  it('an exclusive log (PGlite under the data-dir lock) takes over a lease left by a dead process at once', async () => {
    const dead = await open();
    expect(await dead.tryAcquireWriter()).toBe(true);
    const restarted = await open({ exclusive: true });
    expect(await restarted.tryAcquireWriter()).toBe(true);
    await expect(dead.append([event(0)])).rejects.toBeInstanceOf(WriterFencedError);
  });
});

describe.each(BACKENDS)('pipelined appends on the PostgreSQL log on %s', (backend) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ database, cleanup } = await openTestDatabase(backend));
  });
  afterEach(async () => cleanup());

  const writer = async () => {
    const log = await new PostgresEventLog(database, { pipeline: 2 }).start();
    await log.acquireWriter();
    return log;
  };
  /** A NUL character: jsonb refuses it (a data exception), so the append fails on its data alone. */
  const unstorable = (): NewEvent => {
    const e = event(0);
    return { ...e, streamId: `${e.streamId}\u0000` };
  };
  const positions = async (log: PostgresEventLog) => (await log.read(0, -1, 1000)).map((e) => e.position);

  it('sent before the one ahead answered, they land in call order at consecutive positions', async () => {
    const log = await writer();
    expect(log.pipeline).toBe(2);
    const first = log.append([event(0), event(0)]);
    const second = log.append([event(0)], { pipelined: true });
    const third = log.append([event(0), event(0)], { pipelined: true });
    expect((await first).map((e) => e.position)).toEqual([0, 1]);
    expect((await second).map((e) => e.position)).toEqual([2]);
    expect((await third).map((e) => e.position)).toEqual([3, 4]);
    expect(await positions(log)).toEqual([0, 1, 2, 3, 4]);
  });

  it('one sent behind an append that failed writes nothing, and the next plain append takes the tail again', async () => {
    const log = await writer();
    await log.append([event(0)]);
    const failed = log.append([event(0), unstorable()]);
    const behind = log.append([event(0)], { pipelined: true });
    const further = log.append([event(0)], { pipelined: true });
    await expect(failed).rejects.toBeInstanceOf(LogRejectedError);
    await expect(behind).rejects.toBeInstanceOf(AppendNotWrittenError);
    await expect(further).rejects.toBeInstanceOf(AppendNotWrittenError);
    expect(await positions(log)).toEqual([0]);
    const [next] = await log.append([event(0)]);
    expect(next!.position).toBe(1);
    expect(await positions(log)).toEqual([0, 1]);
  });

  it('a writer fenced with appends in flight stores none of them after the new writer took over', async () => {
    const log = await writer();
    await log.append([event(0)]);
    const successor = await new PostgresEventLog(database).start();
    const first = log.append([event(0)]);
    const second = log.append([event(0)], { pipelined: true });
    await successor.acquireWriter();
    const settled = await Promise.allSettled([first, second]);
    const [taken] = await successor.append([event(0)]);
    // Whatever the old writer stored went in before the takeover; the successor continues right after it.
    const landed = settled.filter((s) => s.status === 'fulfilled').length;
    expect(taken!.position).toBe(1 + landed);
    for (const s of settled) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(WriterFencedError);
    await expect(log.append([event(0)], { pipelined: true })).rejects.toBeInstanceOf(WriterFencedError);
    expect(await positions(successor)).toEqual(Array.from({ length: 2 + landed }, (_, i) => i));
  });
});

/** A new stream's first event (each its own stream: the lease, not the chain, is under test here). */
const event = (_position: number): NewEvent => depositEvent({ streamId: `lease-${randomUUID()}`, streamVersion: 1 });
