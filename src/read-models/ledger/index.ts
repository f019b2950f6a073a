import type { Db } from '../../db/client.ts';
import { partitionOf } from '../../log/event-log.ts';
import { type PositionSource, type ReadModel, readModel } from '../read-model.ts';
import { ledgerProjection } from './projection.ts';
import { type AccountQueries, accountQueries } from './queries.ts';

export { ledgerProjection } from './projection.ts';
export type { AccountQueries, AccountView } from './queries.ts';

/** Accounts, balances, journal, transactions: the account API, statements and the trial balance read them. */
export interface LedgerReadModel extends ReadModel<AccountQueries> {
  /** Whether the read model knows the account: the one "does this account exist" check of the read side. */
  exists(accountId: string): Promise<boolean>;
  /** The log partition of an account's stream: the one its ?minPosition= refers to. */
  partitionOf(accountId: string): number;
}

export function ledgerReadModel(db: Db, partitions: number, positions: PositionSource): LedgerReadModel {
  const queries = accountQueries(db, partitions);
  return { ...readModel(ledgerProjection, queries, positions), exists: queries.exists, partitionOf: (accountId) => partitionOf(accountId, partitions) };
}
