/**
 * Every refusal the ledger can give has a stable code. The HTTP layer maps codes to statuses;
 * the domain only names them.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'account_not_found'
  | 'account_exists'
  | 'insufficient_funds'
  | 'currency_mismatch'
  | 'account_frozen'
  | 'account_closed'
  | 'account_not_frozen'
  | 'balance_not_zero'
  | 'same_account'
  | 'idempotency_conflict'
  | 'log_unavailable'
  | 'invalid_alert_transition';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
