import { assert, unreachable } from '../../assert.ts';
import type { BatchMode } from './commands.ts';
import type { BatchEvent } from './events.ts';

export type BatchState = { status: 'none' } | { status: 'executed'; mode: BatchMode; size: number };

export const initialBatchState = (): BatchState => ({ status: 'none' });

export function evolveBatch(state: BatchState, event: BatchEvent): BatchState {
  switch (event.type) {
    case 'BatchExecuted':
      assert(state.status === 'none', () => `batch ${event.data.batchId} executed twice`);
      return { status: 'executed', mode: event.data.mode, size: event.data.counts.length };
    default:
      return unreachable(event.type, 'batch event');
  }
}

export function encodeBatch(state: BatchState): [BatchMode, number] {
  assert(state.status === 'executed', 'only executed batches are snapshotted');
  return [state.mode, state.size];
}

export function decodeBatch(json: unknown): BatchState {
  assert(Array.isArray(json) && json.length === 2 && (json[0] === 'atomic' || json[0] === 'independent') && Number.isInteger(json[1]), 'a batch in a snapshot is [mode, size]');
  return { status: 'executed', mode: json[0] as BatchMode, size: json[1] as number };
}
