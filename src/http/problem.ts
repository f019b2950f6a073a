import type { DomainErrorCode } from '../domain/errors.ts';
import type { AppErrorCode } from '../errors.ts';

/** Codes the HTTP layer adds to the domain's. Stable: clients switch on them. */
export type ProblemCode =
  | DomainErrorCode
  | Exclude<AppErrorCode, 'usage'>
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'alert_not_found'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'read_model_behind'
  | 'rate_limited'
  | 'last_admin_key'
  | 'request_timeout'
  | 'internal_error';

export interface FieldError {
  field: string;
  message: string;
}

const STATUS: Record<ProblemCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  account_not_found: 404,
  not_found: 404,
  alert_not_found: 404,
  account_exists: 409,
  hold_exists: 409,
  hold_not_found: 404,
  transaction_not_found: 404,
  hold_not_active: 422,
  hold_expired: 422,
  hold_not_due: 422,
  account_has_holds: 422,
  amount_exceeds_hold: 422,
  amount_exceeds_unreversed: 422,
  idempotency_conflict: 409,
  read_model_behind: 409,
  last_admin_key: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  insufficient_funds: 422,
  currency_mismatch: 422,
  account_frozen: 422,
  account_closed: 422,
  account_not_frozen: 422,
  balance_not_zero: 422,
  same_account: 422,
  invalid_alert_transition: 422,
  alert_exists: 409,
  case_exists: 409,
  case_not_found: 404,
  case_closed: 422,
  account_not_in_case: 422,
  rate_limited: 429,
  internal_error: 500,
  request_timeout: 503,
  log_unavailable: 503,
};

const TITLE: Record<ProblemCode, string> = {
  validation_failed: 'The request is not valid',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  account_not_found: 'Account not found',
  not_found: 'Not found',
  alert_not_found: 'Alert not found',
  account_exists: 'Account already exists',
  hold_exists: 'Hold already exists',
  hold_not_found: 'Hold not found',
  transaction_not_found: 'Transaction not found',
  hold_not_active: 'The hold is no longer active (captured or voided)',
  hold_expired: 'The hold has expired',
  hold_not_due: 'The hold is not due to expire yet',
  account_has_holds: 'The account has active holds',
  amount_exceeds_hold: 'The amount exceeds what remains of the hold',
  amount_exceeds_unreversed: 'The amount exceeds what remains unreversed of the transaction',
  idempotency_conflict: 'Idempotency key reused with a different request',
  read_model_behind: 'The read model has not reached the requested position yet',
  last_admin_key: 'The last active admin key cannot be revoked',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  insufficient_funds: 'Insufficient funds',
  currency_mismatch: 'Currency mismatch',
  account_frozen: 'Account is frozen',
  account_closed: 'Account is closed',
  account_not_frozen: 'Account is not frozen',
  balance_not_zero: 'Balance is not zero',
  same_account: 'Source and destination are the same account',
  invalid_alert_transition: 'The alert cannot move to that status',
  alert_exists: 'Alert already raised',
  case_exists: 'Case already exists',
  case_not_found: 'Case not found',
  case_closed: 'The case is decided and takes no more changes',
  account_not_in_case: 'The account does not belong to the owner of the case',
  rate_limited: 'Too many requests',
  request_timeout: 'The request took too long; if it was a command, retry it with the same Idempotency-Key',
  internal_error: 'Internal error',
  log_unavailable: 'The event log is unavailable or did not answer in time; retry with the same Idempotency-Key',
};

export const PROBLEM_CODES = Object.keys(STATUS) as ProblemCode[];

export function problemType(code: ProblemCode): string {
  return `/problems/${code}`;
}

export function problemStatus(code: ProblemCode): number {
  return STATUS[code];
}

export function problemTitle(code: ProblemCode): string {
  return TITLE[code];
}

/** The one exception type of the HTTP layer; onError turns it into application/problem+json. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ProblemCode;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

export function problemBody(code: ProblemCode, detail: string, errors: FieldError[], instance?: string): ProblemBody {
  return {
    type: problemType(code),
    title: TITLE[code],
    status: STATUS[code],
    code,
    detail,
    ...(instance ? { instance } : {}),
    ...(errors.length ? { errors } : {}),
  };
}
