import type { DomainErrorCode } from '../errors.ts';
import type { BatchMode } from './commands.ts';

export interface BatchItemRefusal {
  index: number;
  code: DomainErrorCode;
  message: string;
  field: string | null;
}

/**
 * The last event of a batch (stream id = batch id): how many events each item produced, in order
 * (0: refused), and why the refused ones were. With it a replayed batch key gives back each item's
 * first result, refusals included, after a restart too.
 */
export interface BatchExecuted {
  type: 'BatchExecuted';
  data: { batchId: string; mode: BatchMode; counts: number[]; refusals: BatchItemRefusal[] };
}

export type BatchEvent = BatchExecuted;
export const BATCH_EVENT_TYPES: readonly BatchEvent['type'][] = ['BatchExecuted'];
