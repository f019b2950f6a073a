import { type Consumer, Kafka, type Producer, logLevel } from 'kafkajs';
import { groupJoined } from './group-join.ts';
import { newId } from '../ids.ts';
import type { CommandContext, EngineCommand, ExecuteResult } from '../engine/ledger-engine.ts';
import { LogUnavailableError } from '../log/event-log.ts';
import type { CommandBus } from './command-bus.ts';
import { messageSizeConfig, raiseMessageSize, sendSized } from './kafka-message-size.ts';
import { type CommandMessage, type ReplyMessage, batchAllowanceMs, resultOf } from './wire.ts';

export interface KafkaTopology {
  brokers: string[];
  commandsTopic?: string;
  repliesTopic?: string;
  /** Partitions of the commands and replies topics when they are created. */
  partitions?: number;
  replicationFactor?: number;
}

export const COMMANDS_TOPIC = 'ledger.commands';
export const REPLIES_TOPIC = 'ledger.replies';

/** Creates the commands and replies topics when missing, and lets them carry a full batch (max.message.bytes). */
export async function ensureCommandTopics(kafka: Kafka, t: KafkaTopology): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [t.commandsTopic ?? COMMANDS_TOPIC, t.repliesTopic ?? REPLIES_TOPIC];
    const wanted = topics.filter((name) => !existing.has(name));
    if (wanted.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((topic) => ({ topic, numPartitions: t.partitions ?? 1, replicationFactor: t.replicationFactor ?? 1, configEntries: [{ name: 'retention.ms', value: String(24 * 3600 * 1000) }, ...messageSizeConfig()] })),
      });
    }
    // Best effort: a cluster that does not let this client alter topic configs still runs, and only a
    // batch too large for its topics is refused (503, the send fails).
    await raiseMessageSize(admin, topics.filter((name) => existing.has(name))).catch(() => {});
  } finally {
    await admin.disconnect();
  }
}

/**
 * The API side of request/response over Kafka: a command goes to `ledger.commands`, the engine
 * answers on `ledger.replies`, and replies are matched to waiting requests by id. Each API node
 * reads the replies topic in a consumer group of its own, from the end, and keeps those addressed to it.
 */
export class KafkaCommandBus implements CommandBus {
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private consumer: Consumer | null = null;
  private readonly pending = new Map<string, { resolve: (r: ExecuteResult) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  readonly instanceId = `api-${newId()}`;

  constructor(
    private readonly topology: KafkaTopology,
    private readonly timeoutMs = 10_000,
  ) {
    this.kafka = new Kafka({ clientId: this.instanceId, brokers: topology.brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 5000, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 500 } });
  }

  async start(): Promise<this> {
    await ensureCommandTopics(this.kafka, this.topology);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({ groupId: this.instanceId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topology.repliesTopic ?? REPLIES_TOPIC, fromBeginning: false });
    const ready = groupJoined(this.consumer);
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const reply = JSON.parse(message.value.toString('utf8')) as ReplyMessage;
        if (reply.replyTo !== this.instanceId) return;
        const waiting = this.pending.get(reply.requestId);
        if (!waiting) return;
        this.pending.delete(reply.requestId);
        clearTimeout(waiting.timer);
        try {
          waiting.resolve(resultOf(reply));
        } catch (err) {
          waiting.reject(err);
        }
      },
    });
    await ready;
    return this;
  }

  async execute(command: EngineCommand, ctx: CommandContext): Promise<ExecuteResult> {
    if (!this.producer) throw new LogUnavailableError('the command bus is not started');
    const requestId = newId();
    const budgetMs = this.timeoutMs + batchAllowanceMs(command);
    const message: CommandMessage = { v: 1, requestId, replyTo: this.instanceId, deadline: Date.now() + budgetMs, command, ctx };
    const result = new Promise<ExecuteResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new LogUnavailableError('the engine did not answer in time; retry with the same Idempotency-Key'));
      }, budgetMs + 2000);
      this.pending.set(requestId, { resolve, reject, timer });
    });
    try {
      await sendSized(this.producer, this.topology.commandsTopic ?? COMMANDS_TOPIC, [{ key: ctx.commandId, value: JSON.stringify(message) }]);
    } catch (err) {
      const waiting = this.pending.get(requestId);
      if (waiting) clearTimeout(waiting.timer);
      this.pending.delete(requestId);
      throw new LogUnavailableError(`could not send the command: ${(err as Error).message}`, { cause: err });
    }
    return result;
  }

  async close(): Promise<void> {
    for (const [, w] of this.pending) {
      clearTimeout(w.timer);
      w.reject(new LogUnavailableError('the API node is shutting down'));
    }
    this.pending.clear();
    await this.consumer?.disconnect().catch(() => {});
    await this.producer?.disconnect().catch(() => {});
  }
}
