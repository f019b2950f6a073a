import type { Db } from '../../db/client.ts';
import { type PositionSource, type ReadModel, readModel } from '../read-model.ts';
import { generalLedgerProjection } from './projection.ts';
import { type GeneralLedgerQueries, generalLedgerQueries } from './queries.ts';

export { generalLedgerProjection } from './projection.ts';
export type { GeneralLedgerQueries, GlAccountTotals, GlPostingRow } from './queries.ts';
export { postingsOf, type JournalEntry, type Posting } from './postings.ts';

/** gl_accounts, gl_postings: the double-entry general ledger; the trial balance and the GL detail report read it. */
export type GeneralLedgerReadModel = ReadModel<GeneralLedgerQueries>;

export function generalLedgerReadModel(db: Db, positions: PositionSource): GeneralLedgerReadModel {
  return readModel(generalLedgerProjection, generalLedgerQueries(db), positions);
}
