import { describe, expect, it } from 'vitest';
import { isFencing } from '../../src/log/kafka-event-log.ts';
import { DeadlineError, isSettling, withProgressTimeout } from '../../src/log/kafka/errors.ts';

class ProtocolError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly code: number,
  ) {
    super(message);
  }
}

describe('isFencing', () => {
  it('recognises the broker errors that mean another writer took the transactionalId', () => {
    expect(isFencing(new ProtocolError("Producer attempted an operation with an old epoch", 'INVALID_PRODUCER_EPOCH', 47))).toBe(true);
    expect(isFencing(new ProtocolError('unknown', 'KAFKA_UNKNOWN_ERROR', 90))).toBe(true); // PRODUCER_FENCED, unnamed in kafkajs 2.2
  });

  it('looks through the wrappers kafkajs puts around retried errors', () => {
    const inner = new ProtocolError('old epoch', 'INVALID_PRODUCER_EPOCH', 47);
    const retried = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: inner });
    expect(isFencing(Object.assign(new Error('outer'), { originalError: retried }))).toBe(true);
  });

  it('does not take connection trouble for fencing', () => {
    expect(isFencing(Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' }))).toBe(false);
    expect(isFencing(new ProtocolError('The coordinator is loading', 'COORDINATOR_LOAD_IN_PROGRESS', 14))).toBe(false);
    expect(isFencing('a string')).toBe(false);
    const loop: Record<string, unknown> = { message: 'x' };
    loop.cause = loop;
    expect(isFencing(loop)).toBe(false);
  });
});

describe('isSettling', () => {
  it('takes a partition without a leader yet (a new topic) for a read worth retrying, and nothing else', () => {
    expect(isSettling(new ProtocolError('This server is not the leader for that topic-partition', 'NOT_LEADER_FOR_PARTITION', 6))).toBe(true);
    expect(isSettling(Object.assign(new Error('outer'), { cause: new ProtocolError('no leader', 'LEADER_NOT_AVAILABLE', 5) }))).toBe(true);
    expect(isSettling(new ProtocolError('old epoch', 'INVALID_PRODUCER_EPOCH', 47))).toBe(false);
    expect(isSettling(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'))).toBe(false);
  });
});

describe('kafkajs internals', () => {
  it('are found on the installed kafkajs, and a Kafka client without them fails the check', async () => {
    const { Kafka } = await import('kafkajs');
    const { checkKafkajsInternals } = await import('../../src/log/kafkajs-internals.ts');
    expect(() => checkKafkajsInternals(new Kafka({ brokers: ['127.0.0.1:1'] }))).not.toThrow();
    expect(() => checkKafkajsInternals({} as InstanceType<typeof Kafka>)).toThrow(/kafkajs internals moved/);
  });
});

describe('withProgressTimeout', () => {
  const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('lets work run past the deadline while it keeps reporting progress', async () => {
    const result = await withProgressTimeout(async (progress) => {
      for (let i = 0; i < 6; i++) {
        await tick(20);
        progress();
      }
      return 'done';
    }, 50);
    expect(result).toBe('done');
  });

  it('fails with a DeadlineError once the work stalls for the deadline', async () => {
    const stalled = withProgressTimeout(async (progress) => {
      await tick(10);
      progress();
      await tick(1000);
      return 'late';
    }, 50);
    await expect(stalled).rejects.toBeInstanceOf(DeadlineError);
  });
});
