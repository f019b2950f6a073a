import { unreachable } from '../../assert.ts';
import type { Decided, DecisionContext, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import { type BatchCommand, type ExecuteBatch, MAX_BATCH_ITEMS, isBatchItem } from './commands.ts';
import type { BatchItemRefusal } from './events.ts';

/**
 * An atomic batch refused because of one item: the item's own code, its index, and its field
 * under `items.<index>` (HTTP answers 422 naming both).
 */
export class BatchItemRefused extends DomainError {
  constructor(
    readonly index: number,
    readonly refusal: DomainError,
  ) {
    super(refusal.code, `item ${index}: ${refusal.message}`, refusal.field ? `items.${index}.${refusal.field}` : `items.${index}`);
  }
}

export function decideBatch(command: BatchCommand, view: StateView, ctx: DecisionContext): Decided[] {
  switch (command.type) {
    case 'ExecuteBatch':
      return execute(command, view, ctx);
    default:
      return unreachable(command.type, 'batch command');
  }
}

/** Items in order, each against what the earlier accepted ones staged; then BatchExecuted on the batch's stream. */
function execute(command: ExecuteBatch, view: StateView, ctx: DecisionContext): Decided[] {
  const { batchId, mode, items } = command;
  if (items.length === 0 || items.length > MAX_BATCH_ITEMS) throw new DomainError('validation_failed', `a batch has 1 to ${MAX_BATCH_ITEMS} items`, 'items');
  if (view.get('batch', batchId).status !== 'none') throw new DomainError('validation_failed', `batch ${batchId} was already executed`, 'batchId');
  const staging = ctx.overlay(view);
  const out: Decided[] = [];
  const counts: number[] = [];
  const refusals: BatchItemRefusal[] = [];
  for (const [index, item] of items.entries()) {
    try {
      if (!isBatchItem(item)) throw new DomainError('validation_failed', `a batch cannot hold ${String((item as { type: unknown }).type)}`, 'type');
      const decided = ctx.decide(item, staging.view);
      staging.stage(decided);
      out.push(...decided);
      counts.push(decided.length);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      if (mode === 'atomic') throw new BatchItemRefused(index, err);
      counts.push(0);
      refusals.push({ index, code: err.code, message: err.message, field: err.field ?? null });
    }
  }
  out.push({ streamId: batchId, event: { type: 'BatchExecuted', data: { batchId, mode, counts, refusals } } });
  return out;
}
