import type { AccountCommand } from '../account/commands.ts';
import type { HoldCommand } from '../hold/commands.ts';

/** What a batch may hold: money and hold commands (not account lifecycle, not expiry, not another batch). */
export type BatchItem = Extract<AccountCommand, { type: 'Transfer' | 'Deposit' | 'Withdraw' }> | Extract<HoldCommand, { type: 'PlaceHold' | 'CaptureHold' | 'VoidHold' }>;
export const BATCH_ITEM_TYPES = ['Transfer', 'Deposit', 'Withdraw', 'PlaceHold', 'CaptureHold', 'VoidHold'] as const satisfies readonly BatchItem['type'][];

/** As TigerBeetle's largest batch of linked transfers. */
export const MAX_BATCH_ITEMS = 8190;

export type BatchMode = 'atomic' | 'independent';

/**
 * Many commands under one idempotency key and one append. Atomic: one refusal refuses the whole
 * batch (BatchItemRefused names the item). Independent: each item is accepted or refused on its own.
 * Items are decided in order, each against what the earlier ones staged.
 */
export interface ExecuteBatch {
  type: 'ExecuteBatch';
  batchId: string;
  mode: BatchMode;
  items: readonly BatchItem[];
}

export type BatchCommand = ExecuteBatch;
export const BATCH_COMMAND_TYPES = ['ExecuteBatch'] as const satisfies readonly BatchCommand['type'][];

export function isBatchItem(command: { type: string }): command is BatchItem {
  return (BATCH_ITEM_TYPES as readonly string[]).includes(command.type);
}
