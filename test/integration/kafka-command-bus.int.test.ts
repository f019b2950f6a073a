import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { KafkaCommandBus, ensureCommandTopics } from '../../src/commands/kafka-command-bus.ts';
import { COMMAND_MESSAGE_MAX_BYTES } from '../../src/commands/kafka-message-size.ts';
import { KafkaCommandServer } from '../../src/commands/kafka-command-server.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { LogUnavailableError } from '../../src/log/event-log.ts';
import { PostgresEventLog } from '../../src/log/postgres-event-log.ts';
import { commandContext, depositCommand, openAccountCommand, withdrawCommand } from '../support/commands.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { openTestDatabase } from '../support/pg.ts';

const brokers = await ensureKafka();

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
    await bus.execute(openAccountCommand('k-a'), commandContext());
    const result = await bus.execute(depositCommand('k-a', '25.00'), commandContext());
    expect(result.replayed).toBe(false);
    expect(result.events.map((e) => [e.type, (e.data as { balanceAfter: string }).balanceAfter])).toEqual([['FundsDeposited', '25.00']]);
    expect(engine.accountVersion('k-a')).toBe(2);
  });

  it('carries domain refusals back with their code', async () => {
    await expect(bus.execute(withdrawCommand('k-a', '1000.00'), commandContext())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'insufficient_funds');
    await expect(bus.execute(depositCommand('nobody', '1.00'), commandContext())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'account_not_found');
  });

  it('replays an idempotent retry, and shares group commits across concurrent requests', async () => {
    const first = await bus.execute(depositCommand('k-a', '1.00'), commandContext('same-key'));
    const again = await bus.execute(depositCommand('k-a', '1.00'), commandContext('same-key'));
    expect(again.replayed).toBe(true);
    expect(again.events[0]!.eventId).toBe(first.events[0]!.eventId);
    const appends = engine.stats.appends;
    await Promise.all(Array.from({ length: 40 }, () => bus.execute(depositCommand('k-a', '1.00'), commandContext())));
    expect(engine.stats.appends - appends).toBeLessThan(40);
  });

  it('answers 503-style LogUnavailableError when no engine replies in time', async () => {
    const lonely = await new KafkaCommandBus({ ...topology, commandsTopic: uniqueTopic('nobody-listens') }, 500).start();
    try {
      await expect(lonely.execute(depositCommand('k-a', '1.00'), commandContext())).rejects.toBeInstanceOf(LogUnavailableError);
    } finally {
      await lonely.close();
    }
  });

  it('raises max.message.bytes on command topics made before it was set, keeping their own settings', async () => {
    const kafka = new kafkajs.Kafka({ brokers: brokers ?? [], logLevel: kafkajs.logLevel.NOTHING });
    const old = { brokers: brokers ?? [], commandsTopic: uniqueTopic('old-commands'), repliesTopic: uniqueTopic('old-replies') };
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [old.commandsTopic, old.repliesTopic].map((topic) => ({ topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] })) });
      await ensureCommandTopics(kafka, old);
      const described = await admin.describeConfigs({ includeSynonyms: false, resources: [old.commandsTopic, old.repliesTopic].map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })) });
      for (const r of described.resources) {
        const value = (name: string) => r.configEntries.find((e) => e.configName === name)?.configValue;
        expect([r.resourceName, value('max.message.bytes'), value('retention.ms')]).toEqual([r.resourceName, String(COMMAND_MESSAGE_MAX_BYTES), '3600000']);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
