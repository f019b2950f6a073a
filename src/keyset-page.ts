import { assert } from './assert.ts';

/**
 * Keyset pagination, as every list of the API pages: the query reads one row more than the page
 * holds, so the page knows whether another follows without counting; the next page starts after the
 * last row shown (`cursorOf` it), and there is none when that extra row did not come.
 */
export function keysetPage<T, C>(rows: readonly T[], limit: number, cursorOf: (last: T) => C): { items: T[]; next: C | null } {
  assert(Number.isInteger(limit) && limit >= 1, () => `a page holds at least one row (limit ${limit})`);
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? cursorOf(items[limit - 1]!) : null };
}
