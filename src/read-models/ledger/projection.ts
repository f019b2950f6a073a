import { eq, sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { accounts, balances, journalEntries, transactions } from '../../db/schema.ts';
import { type MovementEvent, movementKind } from '../../domain/account/events.ts';
import { Dec } from '../../domain/money.ts';
import { type StoredEvent, isAccountEvent } from '../../log/envelope.ts';
import type { Projection } from '../../projections/projection.ts';

/** accounts, balances, journal_entries, transactions: the read models behind the account API and statements. */
export const ledgerProjection: Projection = {
  name: 'ledger',
  tables: ['accounts', 'balances', 'journal_entries', 'transactions'],
  async apply(tx: Tx, batch: readonly StoredEvent[]): Promise<void> {
    const newAccounts: (typeof accounts.$inferInsert)[] = [];
    const latestBalance = new Map<string, typeof balances.$inferInsert>();
    const journal: (typeof journalEntries.$inferInsert)[] = [];
    const txRows = new Map<string, typeof transactions.$inferInsert>();
    const statusChanges: Array<{ id: string; status: 'open' | 'frozen' | 'closed'; at: string }> = [];

    for (const stored of batch) {
      // Alert lifecycle events belong to the anomaly projection; hold, transaction and batch streams
      // have their account side on the account's stream.
      if (!isAccountEvent(stored)) continue;
      const event = stored;
      switch (event.type) {
        case 'AccountOpened':
          newAccounts.push({
            id: event.data.accountId,
            currency: event.data.currency,
            status: 'open',
            ownerId: event.data.ownerId,
            overdraftLimit: new Dec(event.data.overdraftLimit),
            metadata: event.data.metadata,
            openedAt: stored.occurredAt,
            updatedAt: stored.occurredAt,
          });
          latestBalance.set(event.data.accountId, {
            accountId: event.data.accountId,
            currency: event.data.currency,
            balance: new Dec(0),
            version: stored.streamVersion,
            lastPosition: stored.position,
            updatedAt: stored.occurredAt,
          });
          break;
        case 'AccountFrozen':
        case 'AccountUnfrozen':
        case 'AccountClosed': {
          statusChanges.push({
            id: event.data.accountId,
            status: event.type === 'AccountFrozen' ? 'frozen' : event.type === 'AccountClosed' ? 'closed' : 'open',
            at: stored.occurredAt,
          });
          const prev = latestBalance.get(event.data.accountId);
          if (prev) latestBalance.set(event.data.accountId, { ...prev, version: stored.streamVersion, lastPosition: stored.position });
          else await bumpVersion(tx, event.data.accountId, stored);
          break;
        }
        case 'FundsDeposited':
        case 'FundsWithdrawn':
        case 'TransferDebited':
        case 'TransferCredited':
          addMovement(stored, event, latestBalance, journal, txRows);
          break;
        case 'FundsHeld':
        case 'HoldReleased':
        case 'HoldCaptureDebited':
        case 'HoldCaptureCredited':
        case 'ReversalDebited':
        case 'ReversalCredited':
          throw new Error(`the ledger read model does not project ${event.type} yet`);
        default: {
          const never: never = event;
          throw new Error(`unknown event ${(never as { type: string }).type}`);
        }
      }
    }

    // Rows go in as one JSON parameter per table: one round trip each, whatever the batch size.
    await insertMany(tx, accounts, newAccounts, sql`on conflict (id) do nothing`);
    for (const change of statusChanges) {
      await tx
        .update(accounts)
        .set({ status: change.status, updatedAt: change.at, ...(change.status === 'closed' ? { closedAt: change.at } : {}) })
        .where(eq(accounts.id, change.id));
    }
    await insertMany(
      tx,
      balances,
      [...latestBalance.values()],
      sql`on conflict (account_id) do update set balance = excluded.balance, version = excluded.version,
          last_position = excluded.last_position, updated_at = excluded.updated_at
          where balances.version < excluded.version`,
    );
    await insertMany(tx, journalEntries, journal, sql`on conflict (event_id) do nothing`);
    await insertMany(tx, transactions, [...txRows.values()], sql`on conflict (id) do nothing`);
  },
};

async function bumpVersion(tx: Tx, accountId: string, stored: StoredEvent): Promise<void> {
  await tx
    .update(balances)
    .set({ version: stored.streamVersion, lastPosition: stored.position, updatedAt: stored.occurredAt })
    .where(eq(balances.accountId, accountId));
}

function addMovement(
  stored: StoredEvent,
  event: MovementEvent,
  latestBalance: Map<string, typeof balances.$inferInsert>,
  journal: (typeof journalEntries.$inferInsert)[],
  txRows: Map<string, typeof transactions.$inferInsert>,
): void {
  const d = event.data;
  const kind = movementKind(event);
  const credit = kind === 'deposit' || kind === 'transfer_in';
  const amount = new Dec(d.amount);
  const counterparty = event.type === 'TransferDebited' || event.type === 'TransferCredited' ? event.data.counterpartyAccountId : null;
  journal.push({
    eventId: stored.eventId,
    partition: stored.partition,
    position: stored.position,
    accountId: d.accountId,
    transactionId: d.transactionId,
    kind,
    amount: credit ? amount : amount.neg(),
    currency: d.currency,
    balanceAfter: new Dec(d.balanceAfter),
    counterpartyAccountId: counterparty,
    reference: d.reference,
    occurredAt: stored.occurredAt,
    streamVersion: stored.streamVersion,
  });
  latestBalance.set(d.accountId, {
    accountId: d.accountId,
    currency: d.currency,
    balance: new Dec(d.balanceAfter),
    version: stored.streamVersion,
    lastPosition: stored.position,
    updatedAt: stored.occurredAt,
  });
  if (!txRows.has(d.transactionId)) {
    const isTransfer = counterparty !== null;
    txRows.set(d.transactionId, {
      id: d.transactionId,
      kind: isTransfer ? 'transfer' : kind === 'deposit' ? 'deposit' : 'withdrawal',
      fromAccountId: isTransfer ? (kind === 'transfer_out' ? d.accountId : counterparty) : kind === 'withdrawal' ? d.accountId : null,
      toAccountId: isTransfer ? (kind === 'transfer_in' ? d.accountId : counterparty) : kind === 'deposit' ? d.accountId : null,
      amount,
      currency: d.currency,
      reference: d.reference,
      channel: 'channel' in d ? (d.channel as string | null) : null,
      metadata: d.metadata,
      commandId: stored.metadata.commandId,
      actor: stored.metadata.actor,
      partition: stored.partition,
      position: stored.position,
      occurredAt: stored.occurredAt,
    });
  }
}

