import { LogUnavailableError } from '../event-log.ts';
import { causes } from '../../errors.ts';

const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
/** 47 INVALID_PRODUCER_EPOCH, 90 PRODUCER_FENCED (newer brokers; kafkajs 2.2 does not name it). */
const FENCING_CODES = new Set([47, 90]);

/** Whether the error or one of its causes says another writer took the transactionalId. */
export function isFencing(err: unknown): boolean {
  for (const r of causes(err)) {
    if (typeof r.type === 'string' && FENCING_TYPES.has(r.type)) return true;
    if (typeof r.code === 'number' && FENCING_CODES.has(r.code)) return true;
    if (typeof r.name === 'string' && /ProducerFenced/i.test(r.name)) return true;
    if (typeof r.message === 'string' && /producer.*fenced|fenced.*producer|producer's epoch|INVALID_PRODUCER_EPOCH/i.test(r.message)) return true;
  }
  return false;
}

/** Kafka errors that pass once the cluster settles (a leader being elected, metadata being refreshed). */
const SETTLING_TYPES = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'NOT_LEADER_OR_FOLLOWER']);

/** Whether the error or one of its causes is one the broker says will pass: a retry a moment later may succeed. */
export function isSettling(err: unknown): boolean {
  for (const r of causes(err)) if (typeof r.type === 'string' && SETTLING_TYPES.has(r.type)) return true;
  return false;
}

export function unavailable(what: string, err: unknown): LogUnavailableError {
  const msg = err instanceof Error ? err.message : String(err);
  return new LogUnavailableError(`${what}: ${msg}`, { cause: err });
}

export class DeadlineError extends Error {}

/** `work`, or a DeadlineError after `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * `work(progress)`, or a DeadlineError once `ms` pass without a call to `progress`: a long append
 * that keeps getting answers (a large batch sent in many chunks) is not cut off, a stalled one is.
 */
export function withProgressTimeout<T>(work: (progress: () => void) => Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let fail: (err: Error) => void = () => {};
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(new DeadlineError(`no progress for ${ms} ms`)), ms);
  };
  const deadline = new Promise<never>((_, reject) => {
    fail = reject;
  });
  arm();
  const running = work(arm);
  running.catch(() => {});
  return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
}

/** Best effort: waits at most `ms` for `work` and never throws (closing connections on the way out). */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(work, ms).catch(() => {});
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
