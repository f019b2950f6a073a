import { describe, expect, it } from 'vitest';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import type { EventLog } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { SharedReads } from '../../src/log/shared-reads.ts';
import { commandContext, depositCommand, openAccountCommand } from '../support/commands.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

/** The real log, counting the reads that reach the database. */
function counting(log: EventLog): { log: EventLog; reads: () => number } {
  let reads = 0;
  const wrapped = Object.create(log) as EventLog;
  wrapped.read = (p, after, limit) => {
    reads++;
    return log.read(p, after, limit);
  };
  return { log: wrapped, reads: () => reads };
}

describe.each(BACKENDS)('shared reads of the embedded log on %s', (backend) => {
  it('give every reader the same events as the log, reading each page from the database once', async () => {
    const { database, cleanup } = await openTestDatabase(backend);
    try {
      const log = await new PostgresEventLog(database).start();
      const engine = new LedgerEngine(log);
      await engine.start();
      await engine.execute(openAccountCommand('a'), commandContext());
      for (let i = 0; i < 60; i++) await engine.execute(depositCommand('a', '1'), commandContext());
      const { log: inner, reads } = counting(log);
      const shared = new SharedReads(inner);
      const ids = (events: ReadonlyArray<{ eventId: string }>) => events.map((e) => e.eventId);

      // Three readers at the same place, at once: one database read.
      const pages = await Promise.all([shared.read(0, -1, 25), shared.read(0, -1, 25), shared.read(0, -1, 25)]);
      expect(reads()).toBe(1);
      for (const page of pages) expect(ids(page)).toEqual(ids(await log.read(0, -1, 25)));
      // A reader behind the others, inside the kept tail: from memory, same events.
      expect(ids(await shared.read(0, 9, 10))).toEqual(ids(await log.read(0, 9, 10)));
      expect(reads()).toBe(1);
      // Past the tail: from the database, and the tail grows.
      expect(ids(await shared.read(0, 24, 25))).toEqual(ids(await log.read(0, 24, 25)));
      expect(await shared.read(0, 30, 100)).toHaveLength(19);
      expect(reads()).toBe(2);
      // At the end of the log: nothing, asked of the database.
      expect(await shared.read(0, 60, 10)).toEqual([]);
      expect(reads()).toBe(3);
      await expect(shared.append([])).rejects.toThrow(/does not append/);
      await log.close();
    } finally {
      await cleanup();
    }
  });
});
