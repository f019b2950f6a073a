import type { IHeaders } from 'kafkajs';
import { type NewEvent, type StoredEvent, contentJson, storedEvent } from '../envelope.ts';

/** Version of the JSON value (and `schema-version` header) this code writes; see docs/event-schema.md. */
export const EVENT_SCHEMA_VERSION = 1;

const SCHEMA_VERSION_HEADER = String(EVENT_SCHEMA_VERSION);

/**
 * An event as a record of the topic: key = stream (account) id, value = versioned JSON, and two
 * headers for tools that route or filter without parsing the value: `schema-version` and
 * `event-type`. Records written before 2026-11-28 also carry `content-type`, `event-id`,
 * `stream-id` (= the key), `stream-version` and `command-id`, copies of value fields: kafkajs
 * encodes each header into a buffer of its own (~5 % of the writer's CPU for seven), and no reader
 * of the ledger reads headers, so records of either layout read the same.
 */
export function encodeEvent(e: NewEvent): { key: string; value: Buffer; headers: IHeaders } {
  return {
    key: e.streamId,
    value: Buffer.from(valueJson(e)),
    headers: { 'schema-version': SCHEMA_VERSION_HEADER, 'event-type': e.type },
  };
}

/**
 * The value, written by hand: data and metadata are the JSON the hash chain already wrote
 * (contentJson), so nothing is serialized twice. The same fields and order as JSON.stringify of
 * the value object; key order inside data and metadata means nothing to a reader.
 */
function valueJson(e: NewEvent): string {
  const { data, metadata } = contentJson(e);
  return (
    `{"schemaVersion":${EVENT_SCHEMA_VERSION},"eventId":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},"streamId":${JSON.stringify(e.streamId)},` +
    `"streamVersion":${JSON.stringify(e.streamVersion)},"partition":${JSON.stringify(e.partition)},"occurredAt":${JSON.stringify(e.occurredAt)},` +
    `"data":${data},"metadata":${metadata},"prevHash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}`
  );
}

/** The StoredEvent in a record of the topic (docs/event-schema.md). */
export function decodeEvent(value: Buffer | null, position: number, partition: number): StoredEvent {
  if (!value) throw new Error(`record at ${partition}/${position} has no value`);
  const parsed: unknown = JSON.parse(value.toString('utf8'));
  if (!isRecord(parsed)) throw new Error(`record at ${partition}/${position} is not an object`);
  if (parsed.schemaVersion !== EVENT_SCHEMA_VERSION) throw new Error(`record at ${partition}/${position} has schemaVersion ${String(parsed.schemaVersion)}, expected ${EVENT_SCHEMA_VERSION}`);
  for (const k of ['eventId', 'type', 'streamId', 'occurredAt', 'prevHash', 'hash'] as const) {
    if (typeof parsed[k] !== 'string') throw new Error(`record at ${partition}/${position}: ${k} is not a string`);
  }
  if (typeof parsed.streamVersion !== 'number' || !isRecord(parsed.data) || !isRecord(parsed.metadata)) throw new Error(`record at ${partition}/${position} is malformed`);
  return storedEvent({
    eventId: parsed.eventId as string,
    type: parsed.type as string,
    streamId: parsed.streamId as string,
    streamVersion: parsed.streamVersion,
    partition,
    position,
    occurredAt: parsed.occurredAt as string,
    data: parsed.data,
    metadata: parsed.metadata as unknown as StoredEvent['metadata'],
    prevHash: parsed.prevHash as string,
    hash: parsed.hash as string,
  });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
