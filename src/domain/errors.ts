/**
 * Every business refusal has a stable code. The HTTP layer maps codes to statuses; the domain only
 * names them. Errors of the application around the domain (idempotency, the log, the CLI) are
 * AppError (src/errors.ts).
 *
 * Precedence: when a command breaks several rules, the refusal is the one listed first here
 * (test/unit/refusal-precedence.unit.test.ts). Shape before existence, existence before amounts (an
 * amount's scale depends on the account's currency), then currencies, then the state of the hold
 * the command names (a finished hold is finished whatever its accounts), then the accounts'
 * status, then what the command would leave behind (holds, balance), then amounts against what
 * remains (of a hold, of a transaction), then funds.
 */
export const REFUSAL_PRECEDENCE = [
  'same_account',
  'account_exists',
  'account_not_found',
  'hold_exists',
  'hold_not_found',
  'transaction_not_found',
  'validation_failed',
  'currency_mismatch',
  'hold_not_active',
  'hold_expired',
  'hold_not_due',
  'account_closed',
  'account_frozen',
  'account_not_frozen',
  'account_has_holds',
  'balance_not_zero',
  'amount_exceeds_hold',
  'amount_exceeds_unreversed',
  'insufficient_funds',
  'invalid_alert_transition',
  'alert_exists',
  'case_exists',
  'case_not_found',
  'case_closed',
  'account_not_in_case',
] as const;

export type DomainErrorCode = (typeof REFUSAL_PRECEDENCE)[number];

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
