import type { AlertStatusChanged } from '../../domain/alert/events.ts';
import type { MovementEvent } from '../../domain/account/events.ts';
import type { CaseEvent } from '../../domain/case/events.ts';
import { aggregateOfEvent } from '../../domain/registry.ts';
import { type StoredEvent, isAccountEvent, isAlertEvent } from '../../log/envelope.ts';
import { fraudMovement } from './movements.ts';

export interface Movement {
  stored: StoredEvent;
  event: MovementEvent;
}

/** What a batch touches: the keys of the windows to load before evaluating it. */
export interface Touched {
  /** The batch's movements, in log order. */
  movements: Movement[];
  /** Every account an account event of the batch is about. */
  accountIds: Set<string>;
  /** Payers and payees of the batch's transfers (counterparty history and funds in flight). */
  sources: Set<string>;
  targets: Set<string>;
  /** Owners of the accounts the batch opens (the profile table does not know them yet). */
  openedOwner: Map<string, string | null>;
  /** Analysts' alert status changes, in log order. */
  statusChanges: Array<StoredEvent<AlertStatusChanged>>;
  /** Analysts' case events, in log order. */
  caseEvents: Array<StoredEvent<CaseEvent>>;
  /** Event time of the first movement (else of the first event): the windows reach back from it. */
  firstAt: string;
}

/** Step 1: what the batch touches; null when it touches nothing (an empty batch). */
export function gatherTouched(batch: readonly StoredEvent[]): Touched | null {
  const touched: Touched = { movements: [], accountIds: new Set(), sources: new Set(), targets: new Set(), openedOwner: new Map(), statusChanges: [], caseEvents: [], firstAt: '' };
  for (const stored of batch) {
    if (isAlertEvent(stored)) {
      // AlertRaised records in the log what this projection derived itself: nothing to apply.
      if (stored.type === 'AlertStatusChanged') touched.statusChanges.push(stored);
      continue;
    }
    if (aggregateOfEvent(stored.type) === 'case') {
      touched.caseEvents.push(stored as StoredEvent<CaseEvent>);
      continue;
    }
    // Holds, transactions and batches: their account side is in the account's stream.
    if (!isAccountEvent(stored)) continue;
    const event = stored;
    touched.accountIds.add(event.data.accountId);
    if (event.type === 'AccountOpened') touched.openedOwner.set(event.data.accountId, event.data.ownerId);
    const movement = fraudMovement(event);
    if (!movement) continue;
    touched.movements.push({ stored, event: movement });
    if (movement.type === 'TransferDebited') {
      touched.sources.add(movement.data.accountId);
      touched.targets.add(movement.data.counterpartyAccountId);
    }
  }
  if (touched.movements.length === 0 && touched.statusChanges.length === 0 && touched.caseEvents.length === 0 && touched.accountIds.size === 0) return null;
  touched.firstAt = touched.movements[0]?.stored.occurredAt ?? batch[0]!.occurredAt;
  return touched;
}
