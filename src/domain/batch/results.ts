import { assert } from '../../assert.ts';
import type { DomainErrorCode } from '../errors.ts';
import type { BatchExecuted } from './events.ts';

/** One item's result: accepted with its events, or refused with its code. */
export type BatchItemResult<E> = { index: number; status: 'accepted'; events: E[] } | { index: number; status: 'refused'; code: DomainErrorCode; message: string; field: string | null };

/**
 * Splits a batch's events (as appended, or as read back for a replayed key) into one result per
 * item, from the counts and refusals its BatchExecuted event recorded. Events are put in decision
 * order by their ids (UUIDv7, monotonic in the writer), since a batch spanning partitions is read
 * back partition by partition.
 */
export function batchItemResults<E extends { eventId: string; type: string; data: unknown }>(events: readonly E[]): BatchItemResult<E>[] {
  const ordered = [...events].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const last = ordered.pop();
  assert(last?.type === 'BatchExecuted', 'a batch result ends with BatchExecuted');
  const { counts, refusals } = (last as unknown as BatchExecuted).data;
  assert(counts.reduce((n, c) => n + c, 0) === ordered.length, () => `a batch of ${ordered.length} events records ${counts.join('+')}`);
  const refusalOf = new Map(refusals.map((r) => [r.index, r]));
  let offset = 0;
  return counts.map((count, index): BatchItemResult<E> => {
    const refusal = refusalOf.get(index);
    if (refusal) return { index, status: 'refused', code: refusal.code, message: refusal.message, field: refusal.field };
    const mine = ordered.slice(offset, offset + count);
    offset += count;
    return { index, status: 'accepted', events: mine };
  });
}
