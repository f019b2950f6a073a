/**
 * Errors of the application around the domain: an idempotency key reused with another body, the
 * log out of reach, a bad command line. A business refusal is a DomainError (src/domain/errors.ts);
 * a broken invariant is an AssertionError (src/assert.ts).
 */
/** validation_failed and account_not_found here are about parameters and read-side lookups (reports, CLI), not business rules. */
export type AppErrorCode = 'idempotency_conflict' | 'log_unavailable' | 'validation_failed' | 'account_not_found' | 'usage';

export class AppError extends Error {
  override readonly name: string = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly field?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function idempotencyConflict(): AppError {
  return new AppError('idempotency_conflict', 'this Idempotency-Key was already used with a different request', 'Idempotency-Key');
}

/**
 * An error and its causes, each once: `cause`, or kafkajs's `originalError` / `retriableError` (it
 * wraps retried errors); a cycle ends the walk.
 */
export function* causes(err: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (((typeof e === 'object' && e !== null && !Array.isArray(e)) || e instanceof Error) && !seen.has(e)) {
    seen.add(e);
    const r = e as Record<string, unknown>;
    yield r;
    e = r.cause ?? r.originalError ?? r.retriableError;
  }
}
