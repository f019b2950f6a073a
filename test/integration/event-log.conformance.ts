import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import type { NewEvent, StoredEvent } from '../../src/log/envelope.ts';
import { type EventLog, WriterFencedError, partitionOf } from '../../src/log/event-log.ts';
import { commandContext, depositCommand, depositEvent, openAccountCommand, transferCommand } from '../support/commands.ts';

/** One storage (a database, a topic) that several log instances can be opened on, like processes sharing it. */
export interface LogHarness {
  /** A new log instance on the shared storage (started, writer role not taken). */
  open(): Promise<EventLog>;
  /** Turns a valid batch into one the implementation rejects after part of it went out (to check atomicity). */
  poison(batch: NewEvent[]): NewEvent[];
  cleanup(): Promise<void>;
  /** Whether waitFor() on one instance wakes on another instance's append (PGlite: one process, no LISTEN). */
  crossInstanceWakeups: boolean;
}

/**
 * Builds envelope-valid events for streams (accounts); the writer under test is the only writer of
 * these streams, so versions and the hash chain can be tracked here.
 */
class EventFactory {
  private readonly versions = new Map<string, number>();
  private readonly hashes = new Map<number, string>();
  constructor(private readonly partitions: number) {}

  deposits(streamIds: string[], commandId = randomUUID()): NewEvent[] {
    const staged = new Map(this.versions);
    const stagedHash = new Map(this.hashes);
    return streamIds.map((streamId, i) => {
      const streamVersion = (staged.get(streamId) ?? 0) + 1;
      staged.set(streamId, streamVersion);
      const partition = partitionOf(streamId, this.partitions);
      const event = depositEvent({ streamId, streamVersion, partition, prevHash: stagedHash.get(partition), commandId, transactionId: `${commandId}-${i}` });
      stagedHash.set(partition, event.hash);
      return event;
    });
  }

  /** Call after a successful append of `events`. */
  commit(events: NewEvent[]): void {
    for (const e of events) {
      this.versions.set(e.streamId, e.streamVersion);
      this.hashes.set(e.partition, e.hash);
    }
  }
}

async function readAll(log: EventLog, partition: number, page = 100): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = -1;
  for (;;) {
    const batch = await log.read(partition, after, page);
    if (batch.length === 0) return out;
    out.push(...batch);
    after = batch[batch.length - 1]!.position;
  }
}

/** Streams spread over every partition of the log. */
function streamsPerPartition(partitions: number, perPartition: number): string[][] {
  const out: string[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; out.some((s) => s.length < perPartition); i++) {
    const id = `acc-${i}-${randomUUID().slice(0, 8)}`;
    const p = partitionOf(id, partitions);
    if (out[p]!.length < perPartition) out[p]!.push(id);
  }
  return out;
}

export function eventLogConformance(name: string, makeHarness: () => Promise<LogHarness>): void {
  describe(`EventLog conformance: ${name}`, () => {
    let harness: LogHarness;
    let log: EventLog;
    let events: EventFactory;
    const opened: EventLog[] = [];
    const open = async () => {
      const l = await harness.open();
      opened.push(l);
      return l;
    };

    beforeAll(async () => {
      harness = await makeHarness();
      log = await open();
      await log.acquireWriter();
      events = new EventFactory(log.partitions);
    });

    afterAll(async () => {
      for (const l of opened) await l.close().catch(() => {});
      await harness?.cleanup();
    });

    it('starts empty: last() is null and read() returns nothing', async () => {
      for (let p = 0; p < log.partitions; p++) {
        expect(await log.last(p)).toBeNull();
        expect(await log.read(p, -1, 10)).toEqual([]);
      }
    });

    it('appends a batch over all partitions and keeps per-partition order with growing positions', async () => {
      const streams = streamsPerPartition(log.partitions, 3);
      const ids = streams.flatMap((s) => [...s, ...s]); // two events per stream, interleaved across partitions
      const batch = events.deposits(ids);
      const stored = await log.append(batch);
      events.commit(batch);
      expect(stored.map((e) => e.eventId)).toEqual(batch.map((e) => e.eventId));
      for (let p = 0; p < log.partitions; p++) {
        const mine = stored.filter((e) => e.partition === p);
        const read = await readAll(log, p);
        expect(read.map((e) => e.eventId)).toEqual(batch.filter((e) => e.partition === p).map((e) => e.eventId));
        expect(read.map((e) => e.position)).toEqual(mine.map((e) => e.position));
        for (let i = 1; i < read.length; i++) expect(read[i]!.position).toBeGreaterThan(read[i - 1]!.position);
        // Stream versions in order per key, and the full envelope round-trips.
        for (const s of streams[p]!) expect(read.filter((e) => e.streamId === s).map((e) => e.streamVersion)).toEqual([1, 2]);
        expect(read).toEqual(mine);
      }
    });

    it('positions keep growing across appends, and last() is the newest event', async () => {
      const streams = streamsPerPartition(log.partitions, 1).flat();
      let prev = new Map<number, number>();
      for (let p = 0; p < log.partitions; p++) prev.set(p, (await log.last(p))?.position ?? -1);
      for (let round = 0; round < 5; round++) {
        const batch = events.deposits(streams);
        const stored = await log.append(batch);
        events.commit(batch);
        const next = new Map(prev);
        for (const e of stored) {
          expect(e.position).toBeGreaterThan(prev.get(e.partition)!);
          next.set(e.partition, Math.max(next.get(e.partition)!, e.position));
        }
        prev = next;
      }
      for (let p = 0; p < log.partitions; p++) {
        const last = await log.last(p);
        expect(last?.position).toBe(prev.get(p));
        const tail = await readAll(log, p);
        expect(last).toEqual(tail[tail.length - 1]);
      }
    });

    it('reads from a position with a limit, in pages that join up exactly', async () => {
      const p = 0;
      const all = await readAll(log, p, 1000);
      expect(all.length).toBeGreaterThan(4);
      const from = all[1]!.position;
      const page = await log.read(p, from, 3);
      expect(page).toEqual(all.slice(2, 5));
      expect(await log.read(p, all[all.length - 1]!.position, 10)).toEqual([]);
      const paged = await readAll(log, p, 2);
      expect(paged).toEqual(all);
    });

    it('an append that fails stores none of its events', async () => {
      const streams = streamsPerPartition(log.partitions, 2).flat();
      const before = new Map<number, number>();
      for (let p = 0; p < log.partitions; p++) before.set(p, (await log.last(p))?.position ?? -1);
      const good = events.deposits(streams);
      await expect(log.append(harness.poison(good))).rejects.toThrow();
      for (let p = 0; p < log.partitions; p++) {
        expect(await log.read(p, before.get(p)!, 100)).toEqual([]);
        expect((await log.last(p))?.position ?? -1).toBe(before.get(p));
      }
      // The log (same instance) takes the next append.
      const stored = await log.append(good);
      events.commit(good);
      expect(stored).toHaveLength(good.length);
    });

    it('waitFor() wakes up on an append (from another instance where supported), and times out when nothing comes', async () => {
      const p = 0;
      const last = (await log.last(p))!.position;
      const t0 = Date.now();
      await log.waitFor(p, last, 300);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);

      const observer = harness.crossInstanceWakeups ? await open() : log; // a reader in "another process"
      const stream = streamsPerPartition(log.partitions, 1)[p]!;
      const waiting = observer.waitFor(p, last, 10_000).then(() => Date.now());
      await new Promise((r) => setTimeout(r, 200));
      const batch = events.deposits(stream);
      const appendedAt = Date.now();
      await log.append(batch);
      events.commit(batch);
      const wokeAt = await waiting;
      expect(wokeAt - appendedAt).toBeLessThan(3000);
      expect((await observer.read(p, last, 10)).map((e) => e.eventId)).toEqual(batch.map((e) => e.eventId));
    });

    it('fencing: once a second writer has acquired the role, the first cannot append and its batch is not stored', async () => {
      const second = await open();
      await second.acquireWriter();
      const before = (await second.last(0))?.position ?? -1;
      const stream = streamsPerPartition(log.partitions, 1)[0]!;
      const stale = events.deposits(stream);
      await expect(log.append(stale)).rejects.toBeInstanceOf(WriterFencedError);
      // Fenced stays fenced.
      await expect(log.append(stale)).rejects.toBeInstanceOf(WriterFencedError);
      expect(await second.read(0, before, 100)).toEqual([]);
      const fresh = events.deposits(stream);
      const stored = await second.append(fresh);
      events.commit(fresh);
      expect(stored).toHaveLength(fresh.length);
      // Read through the writer that appended (read-your-writes); another instance sees it once the commit settles.
      expect((await second.read(0, before, 100)).map((e) => e.eventId)).toEqual(fresh.map((e) => e.eventId));
      log = second;
    });

    it('LedgerEngine rebuilds identical state from the log after a restart', async () => {
      // The log-level writer above gives its role up (a log with a lease hands it over only once released or lapsed).
      await log.releaseWriter?.();
      const engineLog = await harness.open();
      opened.push(engineLog);
      const engine = new LedgerEngine(engineLog);
      await engine.start();
      const accounts = Array.from({ length: 8 }, (_, i) => `eng-${i}-${randomUUID().slice(0, 8)}`);
      await Promise.all(accounts.map((accountId) => engine.execute(openAccountCommand(accountId, 'EUR'), commandContext())));
      await Promise.all(
        accounts.map((accountId, i) =>
          engine.execute(depositCommand(accountId, `${100 + i}.25`, 'cash'), commandContext()),
        ),
      );
      const transfers = [];
      const keys: Array<{ key: string; from: string; to: string }> = [];
      for (let i = 0; i < 40; i++) {
        const from = accounts[i % accounts.length]!;
        const to = accounts[(i * 3 + 1) % accounts.length]!;
        if (from === to) continue;
        const key = randomUUID();
        keys.push({ key, from, to });
        transfers.push(engine.execute(transferCommand(from, to, '1.10', `t${i}`), commandContext(key)));
      }
      const firstResults = await Promise.all(transfers);
      await engine.drain();
      const before = accounts.map((a) => engine.account(a));
      // A clean shutdown gives the writer role up (a log with a lease hands it over at once).
      engine.stop();
      await engine.release();

      const restartedLog = await harness.open();
      opened.push(restartedLog);
      const restarted = new LedgerEngine(restartedLog, { replayPage: 7 });
      await restarted.start();
      expect(accounts.map((a) => restarted.account(a))).toEqual(before);
      expect(restarted.accountCount).toBe(engine.accountCount);
      // Retried transfers (their debit and credit may sit in different partitions) replay their first result.
      for (const [i, { key, from, to }] of keys.entries()) {
        const again = await restarted.execute(transferCommand(from, to, '1.10', 't?'), commandContext(key));
        expect(again.replayed).toBe(true);
        expect(again.events.map((e) => e.eventId).sort()).toEqual(firstResults[i]!.events.map((e) => e.eventId).sort());
      }
      // The restarted engine carries on where the first left off (and the first one is fenced).
      const r = await restarted.execute(depositCommand(accounts[0]!, '5.00'), commandContext());
      expect(r.events).toHaveLength(1);
    });
  });
}
