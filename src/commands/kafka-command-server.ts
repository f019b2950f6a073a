import { type Consumer, Kafka, type Producer, logLevel } from 'kafkajs';
import { groupJoined } from './group-join.ts';
import type { CommandBus } from './command-bus.ts';
import { sendSized } from './kafka-message-size.ts';
import { COMMANDS_TOPIC, type KafkaTopology, REPLIES_TOPIC, ensureCommandTopics } from './kafka-command-bus.ts';
import { type CommandMessage, type ReplyMessage, replyFor } from './wire.ts';

/**
 * The engine side of request/response over Kafka: consumes `ledger.commands`, hands each batch of
 * commands to the engine at once (so they share a group commit), answers on `ledger.replies`, and
 * commits the consumer offsets only after the replies are sent. A command delivered again after a
 * crash carries the same command id, so the engine answers it from its idempotency index.
 */
export class KafkaCommandServer {
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;

  constructor(
    private readonly engine: CommandBus,
    private readonly topology: KafkaTopology,
    private readonly groupId = 'ledger.engine',
    private readonly clock: () => number = Date.now,
  ) {
    this.kafka = new Kafka({ clientId: 'ledger-engine', brokers: topology.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000 });
  }

  async start(): Promise<this> {
    await ensureCommandTopics(this.kafka, this.topology);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({ groupId: this.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topology.commandsTopic ?? COMMANDS_TOPIC, fromBeginning: true });
    const producer = this.producer;
    // Ready only once it can receive commands: the first one is not left waiting for the rebalance.
    const ready = groupJoined(this.consumer);
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
        const messages = batch.messages.filter((m) => m.value);
        const parsed = messages.map((m) => JSON.parse(m.value!.toString('utf8')) as CommandMessage);
        const now = this.clock();
        const outcomes = await Promise.all(
          parsed.map(async (msg): Promise<ReplyMessage> => {
            if (msg.deadline < now) {
              return { v: 1, requestId: msg.requestId, replyTo: msg.replyTo, ok: false, error: { kind: 'expired', message: 'the command arrived after its deadline; it was not decided now' } };
            }
            const [settled] = await Promise.allSettled([this.engine.execute(msg.command, msg.ctx)]);
            return replyFor(msg, settled!);
          }),
        );
        await sendSized(producer, this.topology.repliesTopic ?? REPLIES_TOPIC, outcomes.map((r) => ({ key: r.replyTo, value: JSON.stringify(r) })));
        for (const m of batch.messages) resolveOffset(m.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
      },
    });
    await ready;
    return this;
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }
}
