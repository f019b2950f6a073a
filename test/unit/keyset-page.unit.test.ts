import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.ts';
import { keysetPage } from '../../src/keyset-page.ts';

describe('keysetPage', () => {
  const id = (r: { id: string }) => r.id;
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}` }));

  it('shows limit rows and continues after the last shown when the query read one more', () => {
    expect(keysetPage(rows(4), 3, id)).toEqual({ items: rows(3), next: 'r2' });
  });

  it('has no next page when the extra row did not come', () => {
    expect(keysetPage(rows(3), 3, id)).toEqual({ items: rows(3), next: null });
    expect(keysetPage(rows(1), 3, id)).toEqual({ items: rows(1), next: null });
    expect(keysetPage([], 3, id)).toEqual({ items: [], next: null });
  });

  it('refuses a page of no rows: limits are validated before the query', () => {
    expect(() => keysetPage(rows(1), 0, id)).toThrow(AssertionError);
  });
});
