import type { Decider } from '../decider.ts';
import { BATCH_COMMAND_TYPES, type BatchCommand } from './commands.ts';
import { decideBatch } from './decide.ts';
import { BATCH_EVENT_TYPES, type BatchEvent } from './events.ts';
import { decodeBatch, encodeBatch, evolveBatch, initialBatchState } from './state.ts';

export * from './commands.ts';
export * from './events.ts';
export { BatchItemRefused } from './decide.ts';
export { type BatchItemResult, batchItemResults } from './results.ts';
export type { BatchState } from './state.ts';

/** Batches (stream id = batch id): up to 8,190 money and hold commands decided in order, atomic or independent, in one append. */
export const batchDecider: Decider<'batch', BatchCommand, BatchEvent> = {
  name: 'batch',
  commandTypes: BATCH_COMMAND_TYPES,
  eventTypes: BATCH_EVENT_TYPES,
  initialState: initialBatchState,
  decide: decideBatch,
  evolve: evolveBatch,
  encode: encodeBatch,
  decode: decodeBatch,
};
