import type { Consumer } from 'kafkajs';

/**
 * Resolves when the consumer has joined its group (and so has partitions to read), or after
 * timeoutMs: call before consumer.run(), await after it. A command or reply sent before the join
 * would otherwise wait for the rebalance, which on a busy machine can outlast a request's deadline.
 */
export function groupJoined(consumer: Consumer, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
