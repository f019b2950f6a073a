// The hash chain depends on these bytes: the loop-based canonicalJson must match the plain definition.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/envelope.ts';
function old(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(old).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${old(v)}`).join(',')}}`;
}
it('writes the same bytes as the reference definition (map, filter, sort, join)', () => {
  fc.assert(fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withDate: true, withMap: true, withSparseArray: true, withUnicodeString: true }), (v) => { expect(canonicalJson(v)).toBe(old(v)); }), { numRuns: 2000 });
  expect(canonicalJson({ b: 1, a: [1, undefined, { z: undefined, y: 'é' }], '\u00e9': 2, B: 3 })).toBe(old({ b: 1, a: [1, undefined, { z: undefined, y: 'é' }], '\u00e9': 2, B: 3 }));
});
