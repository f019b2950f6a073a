// The hash chain depends on these bytes: the loop-based canonicalJson must match the plain definition.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, chainHash } from '../../src/log/envelope.ts';
function old(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(old).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${old(v)}`).join(',')}}`;
}
it('writes the same bytes as the reference definition (map, filter, sort, join)', () => {
  fc.assert(fc.property(fc.anything({ withObjectString: true, withNullPrototype: true, withDate: true, withMap: true, withSparseArray: true, withUnicodeString: true }), (v) => { expect(canonicalJson(v)).toBe(old(v)); }), { numRuns: 2000 });
  expect(canonicalJson({ b: 1, a: [1, undefined, { z: undefined, y: 'é' }], '\u00e9': 2, B: 3 })).toBe(old({ b: 1, a: [1, undefined, { z: undefined, y: 'é' }], '\u00e9': 2, B: 3 }));
  expect(canonicalJson({ n: [-0, 1e21, 1e-7, NaN, -Infinity, 0.1 + 0.2], f: () => 1, s: Symbol('x'), 10: 'a', 9: 'b' })).toBe(old({ n: [-0, 1e21, 1e-7, NaN, -Infinity, 0.1 + 0.2], f: () => 1, s: Symbol('x'), 10: 'a', 9: 'b' }));
});

/** The chain hash as the first logs were written: SHA-256 of the previous hash, a newline and the canonical body. */
function oldChainHash(prevHash: string, e: Parameters<typeof chainHash>[1]): string {
  const body = old({ eventId: e.eventId, type: e.type, streamId: e.streamId, streamVersion: e.streamVersion, partition: e.partition, occurredAt: e.occurredAt, data: e.data, metadata: e.metadata });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

it('chains the same hashes as the first logs did, with the metadata written once or per event', () => {
  const text = fc.string({ unit: 'binary' });
  const event = fc.record({
    eventId: fc.uuid(),
    type: text,
    streamId: text,
    streamVersion: fc.nat(),
    partition: fc.nat(64),
    occurredAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    data: fc.jsonValue(),
    metadata: fc.record({
      commandId: text,
      requestHash: text,
      correlationId: text,
      causationId: fc.option(text),
      actor: text,
      actorRole: fc.constantFrom('teller' as const, 'auditor' as const, 'analyst' as const, 'admin' as const),
      origin: fc.record({ ip: fc.option(text), userAgent: fc.option(text), requestId: fc.option(text) }),
    }),
  });
  fc.assert(
    fc.property(fc.oneof(fc.constant(GENESIS_HASH), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })), event, (prev, e) => {
      const expected = oldChainHash(prev, e);
      expect(chainHash(prev, e)).toBe(expected);
      expect(chainHash(prev, e, canonicalJson(e.metadata))).toBe(expected);
    }),
    { numRuns: 1000 },
  );
});
