import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaCommandBus } from '../../src/commands/kafka-command-bus.ts';
import { KafkaCommandServer } from '../../src/commands/kafka-command-server.ts';
import type { EngineCommand } from '../../src/engine/ledger-engine.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { type CommandContext, LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { LogUnavailableError } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { openTestDatabase } from '../support/pg.ts';

const brokers = await ensureKafka();

let n = 0;
const ctx = (key?: string): CommandContext => ({
  commandId: key ?? `bus-${Date.now()}-${++n}`,
  requestHash: 'h',
  correlationId: 'c',
  causationId: null,
  actor: 'test',
  actorRole: 'admin',
  origin: { ip: null, userAgent: null, requestId: null },
});
const open = (accountId: string): EngineCommand => ({ type: 'OpenAccount', accountId, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} });
const deposit = (accountId: string, amount: string): EngineCommand => ({ type: 'Deposit', accountId, transactionId: `t-${++n}`, amount, reference: null, channel: null, metadata: {} });
const withdraw = (accountId: string, amount: string): EngineCommand => ({ type: 'Withdraw', accountId, transactionId: `t-${++n}`, amount, reference: null, channel: null, metadata: {} });

describe.skipIf(!brokers)('commands over Kafka (ledger.commands / ledger.replies)', () => {
  const topology = { brokers: brokers ?? [], commandsTopic: uniqueTopic('commands'), repliesTopic: uniqueTopic('replies') };
  let cleanup: () => Promise<void>;
  let engine: LedgerEngine;
  let server: KafkaCommandServer;
  let bus: KafkaCommandBus;
  let log: PostgresEventLog;

  beforeAll(async () => {
    const t = await openTestDatabase('pglite');
    cleanup = t.cleanup;
    log = await new PostgresEventLog(t.database).start();
    engine = new LedgerEngine(log);
    await engine.start();
    server = await new KafkaCommandServer(engine, topology, uniqueTopic('engine-group')).start();
    bus = await new KafkaCommandBus(topology, 5000).start();
  });
  afterAll(async () => {
    await bus?.close();
    await server?.close();
    await log?.close();
    await cleanup?.();
  });

  it('executes commands on the engine and returns their events', async () => {
    await bus.execute(open('k-a'), ctx());
    const result = await bus.execute(deposit('k-a', '25.00'), ctx());
    expect(result.replayed).toBe(false);
    expect(result.events.map((e) => [e.type, (e.data as { balanceAfter: string }).balanceAfter])).toEqual([['FundsDeposited', '25.00']]);
    expect(engine.accountVersion('k-a')).toBe(2);
  });

  it('carries domain refusals back with their code', async () => {
    await expect(bus.execute(withdraw('k-a', '1000.00'), ctx())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'insufficient_funds');
    await expect(bus.execute(deposit('nobody', '1.00'), ctx())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'account_not_found');
  });

  it('replays an idempotent retry, and shares group commits across concurrent requests', async () => {
    const first = await bus.execute(deposit('k-a', '1.00'), ctx('same-key'));
    const again = await bus.execute(deposit('k-a', '1.00'), ctx('same-key'));
    expect(again.replayed).toBe(true);
    expect(again.events[0]!.eventId).toBe(first.events[0]!.eventId);
    const appends = engine.stats.appends;
    await Promise.all(Array.from({ length: 40 }, () => bus.execute(deposit('k-a', '1.00'), ctx())));
    expect(engine.stats.appends - appends).toBeLessThan(40);
  });

  it('answers 503-style LogUnavailableError when no engine replies in time', async () => {
    const lonely = await new KafkaCommandBus({ ...topology, commandsTopic: uniqueTopic('nobody-listens') }, 500).start();
    try {
      await expect(lonely.execute(deposit('k-a', '1.00'), ctx())).rejects.toBeInstanceOf(LogUnavailableError);
    } finally {
      await lonely.close();
    }
  });
});
