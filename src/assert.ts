/**
 * Assertions catch programmer errors and corrupt input from our own system of record (a log that
 * breaks an invariant), never a user's bad input: that is validation and gets a clear refusal.
 * A failed assertion stops the operation loudly; it is never turned into a 4xx.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionError(typeof message === 'string' ? message : message());
}

/** For the `default` of an exhaustive switch: the compiler proves it unreachable, this proves it at run time. */
export function unreachable(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
