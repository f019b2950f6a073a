// The log encoders write data and metadata as the hash chain serialized them (contentJson): a record
// must still read back to the same event, and records written in the old layout must read the same.
import { expect, it } from 'vitest';
import { GENESIS_HASH, type NewEvent, chainEvent, chainHash, contentJson } from '../../src/log/envelope.ts';
import { EVENT_SCHEMA_VERSION, decodeEvent, encodeEvent } from '../../src/log/kafka/codec.ts';
import { commandContext, depositEvent } from '../support/commands.ts';

function transferEvent(prevHash: string): NewEvent {
  const body = {
    eventId: '0195a3c2-1111-7abc-8def-0123456789ab',
    type: 'TransferDebited' as const,
    streamId: 'acct-"1"\u00e9',
    streamVersion: 12,
    partition: 0,
    occurredAt: '2026-11-28T15:00:00.000Z',
    data: { accountId: 'acct-"1"\u00e9', transactionId: 't-1', amount: '0.01', currency: 'USD', balanceAfter: '9.99', reference: 'line\nbreak', metadata: { z: '1', a: '\u2028' }, counterpartyAccountId: 'acct-2' },
    metadata: commandContext('cmd-1'),
  };
  return chainEvent(prevHash, body) as NewEvent;
}

/** The value as the first writer wrote it: JSON.stringify of the value object, data and metadata in their own key order. */
function oldValue(e: NewEvent): Buffer {
  const { eventId, type, streamId, streamVersion, partition, occurredAt, data, metadata, prevHash, hash } = e;
  return Buffer.from(JSON.stringify({ schemaVersion: EVENT_SCHEMA_VERSION, eventId, type, streamId, streamVersion, partition, occurredAt, data, metadata, prevHash, hash }));
}

it('chainEvent chains the same hash as chainHash and keeps the canonical JSON it covered', () => {
  const e = transferEvent(GENESIS_HASH);
  expect(e.hash).toBe(chainHash(GENESIS_HASH, e));
  expect(JSON.parse(contentJson(e).data)).toEqual(e.data);
  expect(JSON.parse(contentJson(e).metadata)).toEqual(e.metadata);
  // An event built elsewhere is written as JSON.stringify writes it.
  const other = depositEvent({ streamId: 'acct-1', streamVersion: 2 });
  expect(contentJson(other)).toEqual({ data: JSON.stringify(other.data), metadata: JSON.stringify(other.metadata) });
});

it('a record in the new layout and one in the old layout read back to the same event, whose hash verifies', () => {
  const e = transferEvent(GENESIS_HASH);
  const record = encodeEvent(e);
  expect(record.headers).toEqual({ 'schema-version': String(EVENT_SCHEMA_VERSION), 'event-type': 'TransferDebited' });
  expect(JSON.parse(record.value.toString('utf8'))).toEqual(JSON.parse(oldValue(e).toString('utf8')));
  const fromNew = decodeEvent(record.value, 41, 0);
  const fromOld = decodeEvent(oldValue(e), 41, 0);
  expect(fromNew).toEqual(fromOld);
  expect(fromNew).toEqual({ ...e, position: 41 });
  expect(chainHash(GENESIS_HASH, fromNew)).toBe(e.hash);
});
