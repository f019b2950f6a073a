import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { balances, journalEntries, projectionCheckpoints } from '../../src/db/schema.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { KafkaEventLog } from '../../src/log/kafka-event-log.ts';
import { commandContext, depositCommand, openAccountCommand, transferCommand } from '../support/commands.ts';
import { PROJECT_ROOT, ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { createTestDatabase } from '../support/pg.ts';

const brokers = await ensureKafka();
const PARTITIONS = 3;
const MOVEMENTS = new Set(['FundsDeposited', 'FundsWithdrawn', 'TransferDebited', 'TransferCredited']);

async function drive(engine: LedgerEngine, accounts: string[], rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    const work = [];
    for (const [i, accountId] of accounts.entries()) {
      work.push(engine.execute(depositCommand(accountId, `${(i % 7) + 1}.50`, 'cash'), commandContext()));
      const to = accounts[(i * 7 + r + 1) % accounts.length]!;
      if (to !== accountId) work.push(engine.execute(transferCommand(accountId, to, '0.75'), commandContext()).catch(() => null));
    }
    await Promise.all(work);
  }
}

describe.skipIf(!brokers)('KafkaProjectionRunner: kill -9 mid-stream', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('a restarted projector neither skips nor repeats an event', async () => {
    const created = await createTestDatabase('ledger_kproj');
    cleanups.push(created.drop);
    const database: Database = await openDatabase({ url: created.url, dataDir: null, poolSize: 3 });
    cleanups.push(() => database.close());
    await database.migrate();

    const topic = uniqueTopic('projector');
    const log = await new KafkaEventLog({ brokers: brokers!, topic, partitions: PARTITIONS, logLevel: logLevel.NOTHING }).start();
    cleanups.push(() => log.close());
    const engine = new LedgerEngine(log);
    await engine.start();
    const accounts = Array.from({ length: 24 }, (_, i) => `acc-${i}-${randomUUID().slice(0, 6)}`);
    await Promise.all(accounts.map((accountId) => engine.execute(openAccountCommand(accountId, 'EUR'), commandContext())));
    await drive(engine, accounts, 25);

    const group = `projector-${randomUUID().slice(0, 8)}`;
    const spawnProjector = (): { child: ChildProcess; batches: () => number } => {
      let batches = 0;
      // node --import tsx, not the tsx CLI: the CLI runs the script in a grandchild that a SIGKILL to the CLI would not reach.
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/support/kafka-projector.ts')], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          PROJECTOR_BROKERS: brokers!.join(','),
          PROJECTOR_TOPIC: topic,
          PROJECTOR_GROUP: group,
          PROJECTOR_DATABASE_URL: created.url,
          PROJECTOR_DELAY_MS: '25',
          PROJECTOR_MAX_BYTES: '16384',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout!.on('data', (d: Buffer) => { if (process.env.DEBUG_PROJECTOR) process.stdout.write(d); batches += d.toString().split('\n').filter((l) => l.includes('"count"')).length; });
      child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[projector] ${d.toString()}`));
      return { child, batches: () => batches };
    };
    const checkpointSum = async () => (await database.db.select().from(projectionCheckpoints)).reduce((s, r) => s + r.position + 1, 0);
    const waitUntil = async (cond: () => Promise<boolean>, ms: number, what: string) => {
      const deadline = Date.now() + ms;
      while (!(await cond())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const ends = async () => {
      const out: number[] = [];
      for (let p = 0; p < PARTITIONS; p++) out.push((await log.last(p))?.position ?? -1);
      return out;
    };
    const caughtUp = async () => {
      const target = await ends();
      const rows = await database.db.select().from(projectionCheckpoints);
      return target.every((pos, p) => (rows.find((r) => r.partition === p)?.position ?? -1) === pos);
    };
    const endSum = (await ends()).reduce((s, p) => s + p + 1, 0);

    // 1. Project about a third, then kill -9.
    const first = spawnProjector();
    await waitUntil(async () => (await checkpointSum()) > endSum / 3, 60_000, 'the first projector to make progress');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const atKill = await checkpointSum();
    expect(atKill).toBeLessThan(endSum); // it really died mid-stream
    console.log(`killed the projector after ${first.batches()} batches, checkpoints at ${atKill} of ${endSum} offsets`);

    // 2. Restart it; the engine keeps writing meanwhile.
    const second = spawnProjector();
    await drive(engine, accounts, 5);
    await engine.drain();
    await waitUntil(caughtUp, 90_000, 'the restarted projector to catch up');
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    // 3. Exactly once: one journal row per movement event, and balances as the engine has them.
    const all: StoredEvent[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      for (let after = -1; ; ) {
        const page = await log.read(p, after, 1000);
        if (page.length === 0) break;
        all.push(...page);
        after = page[page.length - 1]!.position;
      }
    }
    const movements = all.filter((e) => MOVEMENTS.has(e.type));
    const [counts] = await database.sql!<Array<{ n: string; distinct_n: string }>>`select count(*)::text as n, count(distinct event_id)::text as distinct_n from projector_applied`;
    if (!counts) throw new Error('no counts');
    console.log(`${all.length} events in the log, ${counts.n} applications, ${counts.distinct_n} distinct`);
    expect(Number(counts.n)).toBe(all.length); // none applied twice…
    expect(Number(counts.distinct_n)).toBe(all.length); // …and none skipped
    const journal = await database.db.select({ eventId: journalEntries.eventId }).from(journalEntries);
    expect(journal.length).toBe(movements.length);
    expect(new Set(journal.map((j) => j.eventId))).toEqual(new Set(movements.map((e) => e.eventId)));
    const rows = await database.db.select().from(balances);
    expect(rows).toHaveLength(accounts.length);
    for (const row of rows) {
      const state = engine.account(row.accountId);
      if (state.status === 'none') throw new Error(`unknown account ${row.accountId}`);
      expect(row.balance.toFixed()).toBe(state.balance.toFixed());
      expect(row.version).toBe(engine.accountVersion(row.accountId));
    }
  }, 115_000);
});
