import { eq, sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { accounts, balances, journalEntries, transactions } from '../../db/schema.ts';
import { Dec } from '../../domain/money.ts';
import { type StoredEvent, type StoredOf, isAccountEvent, isHoldEvent } from '../../log/envelope.ts';
import type { Projection } from '../../projections/projection.ts';
import { HoldChanges } from './hold-rows.ts';
import { type LedgerRows, addPosting } from './postings.ts';

/** accounts, balances (with held), journal_entries, transactions, holds: the read models behind the account API and statements. */
export const ledgerProjection: Projection = {
  name: 'ledger',
  tables: ['accounts', 'balances', 'journal_entries', 'transactions', 'holds'],
  async apply(tx: Tx, batch: readonly StoredEvent[]): Promise<void> {
    const newAccounts: (typeof accounts.$inferInsert)[] = [];
    const rows: LedgerRows = { latestBalance: new Map(), journal: [], txRows: new Map() };
    const { latestBalance, journal, txRows } = rows;
    const holdChanges = new HoldChanges();
    const statusChanges: Array<{ id: string; status: 'open' | 'frozen' | 'closed'; at: string }> = [];

    for (const stored of batch) {
      // Alert lifecycle events belong to the anomaly projection; hold, transaction and batch streams
      // have their account side on the account's stream.
      if (isHoldEvent(stored)) {
        holdChanges.add(stored);
        continue;
      }
      if (!isAccountEvent(stored)) continue;
      const event = stored;
      switch (event.type) {
        case 'AccountOpened':
          addOpenedAccount(newAccounts, rows, event);
          break;
        case 'AccountFrozen':
        case 'AccountUnfrozen':
        case 'AccountClosed': {
          statusChanges.push({ id: event.data.accountId, status: STATUS_AFTER[event.type], at: stored.occurredAt });
          const prev = latestBalance.get(event.data.accountId);
          if (prev) latestBalance.set(event.data.accountId, { ...prev, version: stored.streamVersion, lastPosition: stored.position, updatedAt: stored.occurredAt });
          else await bumpVersion(tx, event.data.accountId, stored);
          break;
        }
        case 'FundsDeposited':
        case 'FundsWithdrawn':
        case 'TransferDebited':
        case 'TransferCredited':
        case 'HoldCaptureDebited':
        case 'HoldCaptureCredited':
        case 'ReversalDebited':
        case 'ReversalCredited':
          addPosting(rows, stored, event);
          break;
        case 'FundsHeld':
        case 'HoldReleased': {
          // The balance stays; only the held total (and the stream's version) moves.
          const prev = latestBalance.get(event.data.accountId);
          const held = new Dec(event.data.heldAfter);
          if (prev) latestBalance.set(event.data.accountId, { ...prev, held, version: stored.streamVersion, lastPosition: stored.position, updatedAt: stored.occurredAt });
          else await bumpVersion(tx, event.data.accountId, stored, held);
          break;
        }
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
      sql`on conflict (account_id) do update set balance = excluded.balance, held = coalesce(excluded.held, balances.held), version = excluded.version,
          last_position = excluded.last_position, updated_at = excluded.updated_at
          where balances.version < excluded.version`,
    );
    await insertMany(tx, journalEntries, journal, sql`on conflict (event_id) do nothing`);
    await insertMany(tx, transactions, [...txRows.values()], sql`on conflict (id) do nothing`);
    await holdChanges.write(tx);
  },
};

const STATUS_AFTER = { AccountFrozen: 'frozen', AccountUnfrozen: 'open', AccountClosed: 'closed' } as const;

/** An AccountOpened: the account's row, and its balance row at zero. */
function addOpenedAccount(newAccounts: (typeof accounts.$inferInsert)[], rows: LedgerRows, event: StoredOf<'AccountOpened'>): void {
  newAccounts.push({
    id: event.data.accountId,
    currency: event.data.currency,
    status: 'open',
    ownerId: event.data.ownerId,
    overdraftLimit: new Dec(event.data.overdraftLimit),
    metadata: event.data.metadata,
    openedAt: event.occurredAt,
    updatedAt: event.occurredAt,
  });
  rows.latestBalance.set(event.data.accountId, {
    accountId: event.data.accountId,
    currency: event.data.currency,
    balance: new Dec(0),
    held: new Dec(0),
    version: event.streamVersion,
    lastPosition: event.position,
    updatedAt: event.occurredAt,
  });
}

async function bumpVersion(tx: Tx, accountId: string, stored: StoredEvent, held?: Dec): Promise<void> {
  await tx
    .update(balances)
    .set({ ...(held ? { held } : {}), version: stored.streamVersion, lastPosition: stored.position, updatedAt: stored.occurredAt })
    .where(eq(balances.accountId, accountId));
}
