import { randomUUID } from 'node:crypto';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { type AppendedRun, type EventLog, partitionOf } from '../../src/log/event-log.ts';
import { KafkaEventLog } from '../../src/log/kafka-event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { SharedReads } from '../../src/log/shared-reads.ts';
import { commandContext, depositCommand, depositEvent, openAccountCommand, transferCommand } from '../support/commands.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

const brokers = await ensureKafka();

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

/** A database whose log holds an opened account and `deposits` deposits, with the engine that wrote them. */
async function fundedLog(backend: (typeof BACKENDS)[number], deposits: number) {
  const opened = await openTestDatabase(backend);
  const log = await new PostgresEventLog(opened.database).start();
  const engine = new LedgerEngine(log);
  await engine.start();
  await engine.execute(openAccountCommand('a'), commandContext());
  for (let i = 0; i < deposits; i++) await engine.execute(depositCommand('a', '1'), commandContext());
  return { ...opened, log, engine };
}

describe.each(BACKENDS)('shared reads of the embedded log on %s', (backend) => {
  it('give every reader the same events as the log, reading each page from the database once', async () => {
    const { log, cleanup } = await fundedLog(backend, 60);
    try {
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

  it('serve what an append of this process stored from memory, equal to the stored events, and join pages read while behind', async () => {
    const { log, engine, cleanup } = await fundedLog(backend, 20);
    try {
      // A reader that starts behind: 21 commands appended before it, 10 after.
      const { log: inner, reads } = counting(log);
      const shared = new SharedReads(inner);
      for (let i = 0; i < 10; i++) await engine.execute(depositCommand('a', '2', 'cash'), commandContext());
      const end = (await log.last(0))!.position;

      // From the start: the log is read until its pages reach what was appended since, then memory serves.
      const replayed: unknown[] = [];
      let position = -1;
      while (position < end) {
        const page = await shared.read(0, position, 8);
        expect(page.length).toBeGreaterThan(0);
        replayed.push(...page);
        position = page[page.length - 1]!.position;
      }
      // Exactly the stored events, field for field (what was appended and what a replay reads back agree).
      expect(replayed).toEqual(await log.read(0, -1, 1000));
      const readsWhileBehind = reads();
      expect(readsWhileBehind).toBeLessThan(Math.ceil((end + 1) / 8));

      // Caught up: the next appends are served without reading the log, and waitFor returns at once.
      await engine.execute(depositCommand('a', '3'), commandContext());
      const waited = Date.now();
      await shared.waitFor(0, end, 30_000);
      expect(Date.now() - waited).toBeLessThan(10_000);
      const next = await shared.read(0, end, 100);
      expect(next).toEqual(await log.read(0, end, 100));
      expect(next.map((e) => e.type)).toContain('FundsDeposited');
      expect(reads()).toBe(readsWhileBehind);

      // Closed: appends no longer reach it (the log is asked again).
      await shared.close();
      await engine.execute(depositCommand('a', '4'), commandContext());
      const after = next[next.length - 1]!.position;
      expect(await shared.read(0, after, 100)).toEqual(await log.read(0, after, 100));
      expect(reads()).toBe(readsWhileBehind + 1);
      await log.close();
    } finally {
      await cleanup();
    }
  });
});

/** Deposits and transfers among `accounts`, many at once, so the engine appends them as many transactions. */
async function movements(engine: LedgerEngine, accounts: readonly string[], rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      accounts.flatMap((accountId, i) => [
        engine.execute(depositCommand(accountId, `${(i % 5) + 1}.25`), commandContext()),
        engine.execute(transferCommand(accountId, accounts[(i + r + 1) % accounts.length]!, '0.50'), commandContext()),
      ]),
    );
  }
}

/** Reads a partition from `after` to `end` in pages of `limit`, two readers one after the other (the second should find the page in memory). */
async function readTwice(shared: EventLog, partition: number, after: number, end: number, limit: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let position = after;
  while (position < end) {
    const page = await shared.read(partition, position, limit);
    expect(page.length).toBeGreaterThan(0);
    expect(await shared.read(partition, position, limit)).toEqual(page);
    out.push(...page);
    position = page[page.length - 1]!.position;
  }
  return out;
}

describe.skipIf(!brokers)('shared reads of the Kafka log (offsets with gaps: transaction markers)', () => {
  it('keep pages across transactions, serve the appends of this process from memory equal to the records, and read each page once', async () => {
    const partitions = 3;
    const log = await new KafkaEventLog({ brokers: brokers!, topic: uniqueTopic('shared-reads'), partitions, logLevel: logLevel.NOTHING }).start();
    try {
      const engine = new LedgerEngine(log);
      await engine.start();
      const accounts = Array.from({ length: 12 }, (_, i) => `sr-${i}-${randomUUID().slice(0, 6)}`);
      await Promise.all(accounts.map((accountId) => engine.execute(openAccountCommand(accountId), commandContext())));
      await movements(engine, accounts, 4);

      // Behind: what was written before the reader came is read from Kafka, each page once for two readers.
      const { log: inner, reads } = counting(log);
      const shared = new SharedReads(inner);
      const ends: number[] = [];
      for (let p = 0; p < partitions; p++) {
        ends.push((await log.last(p))?.position ?? -1);
        const all = await log.read(p, -1, 100_000);
        const positions = all.map((e) => e.position);
        // The log has gaps (one marker per transaction), which the kept pages must span.
        expect(positions.at(-1)! + 1).toBeGreaterThan(positions.length);
        const before = reads();
        expect(await readTwice(shared, p, -1, ends[p]!, 7)).toEqual(all);
        expect(reads() - before).toBe(Math.ceil(all.length / 7));
      }

      // Caught up: the next appends are served from memory, field for field what Kafka holds.
      const readsCaughtUp = reads();
      await movements(engine, accounts, 3);
      for (let p = 0; p < partitions; p++) {
        const end = (await log.last(p))!.position;
        expect(end).toBeGreaterThan(ends[p]!);
        await shared.waitFor(p, ends[p]!, 30_000);
        expect(await readTwice(shared, p, ends[p]!, end, 10)).toEqual(await log.read(p, ends[p]!, 100_000));
      }
      expect(reads()).toBe(readsCaughtUp);
      await shared.close();
    } finally {
      await log.close();
    }
  });

  it('hand over only an append that follows the last one of the same writer: not the first after taking the role, nor after a failure', async () => {
    const log = await new KafkaEventLog({ brokers: brokers!, topic: uniqueTopic('shared-reads-chain'), partitions: 1, logLevel: logLevel.NOTHING }).start();
    try {
      const told: AppendedRun[][] = [];
      log.onAppended((runs) => told.push([...runs]));
      const streamId = `chain-${randomUUID().slice(0, 8)}`;
      expect(partitionOf(streamId, 1)).toBe(0);
      let prevHash: string | undefined;
      let version = 0;
      const appendOne = async (): Promise<StoredEvent[]> => {
        const stored = await log.append([depositEvent({ streamId, streamVersion: ++version, ...(prevHash ? { prevHash } : {}) })]);
        prevHash = stored[0]!.hash;
        return stored;
      };

      await log.acquireWriter();
      const first = await appendOne();
      const second = await appendOne();
      const third = await appendOne();
      // The first append after taking the role is not told (what lies before it is the log's business); the next ones are, each after the last.
      expect(told).toEqual([[{ partition: 0, after: first[0]!.position, events: second }], [{ partition: 0, after: second[0]!.position, events: third }]]);
      expect(second[0]!.position).toBeGreaterThan(first[0]!.position + 1); // a commit marker between

      // Taking the role again (as a writer back from a takeover would) starts over.
      await log.acquireWriter();
      await appendOne();
      expect(told).toHaveLength(2);
      await appendOne();
      expect(told).toHaveLength(3);

      // A failed append (a record over the broker's 1 MB limit): whether it landed is the log's to say, so the next is not told either.
      const poison = depositEvent({ streamId, streamVersion: version + 1, ...(prevHash ? { prevHash } : {}) });
      await expect(log.append([{ ...poison, metadata: { ...poison.metadata, actor: 'x'.repeat(1_200_000) } }])).rejects.toThrow();
      await appendOne();
      expect(told).toHaveLength(3);
      const last = await appendOne();
      expect(told).toHaveLength(4);
      expect(told[3]![0]!.events).toEqual(last);
    } finally {
      await log.close();
    }
  });
});
