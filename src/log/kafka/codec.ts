import type { IHeaders } from 'kafkajs';
import { type NewEvent, type StoredEvent, storedEvent } from '../envelope.ts';

/** Version of the JSON value (and `schema-version` header) this code writes; see docs/event-schema.md. */
export const EVENT_SCHEMA_VERSION = 1;

/** An event as a record of the topic: key = stream (account) id, value = versioned JSON, headers for tools. */
export function encodeEvent(e: NewEvent): { key: string; value: Buffer; headers: IHeaders } {
  const value = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId: e.eventId,
    type: e.type,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    partition: e.partition,
    occurredAt: e.occurredAt,
    data: e.data,
    metadata: e.metadata,
    prevHash: e.prevHash,
    hash: e.hash,
  };
  return {
    key: e.streamId,
    value: Buffer.from(JSON.stringify(value)),
    headers: {
      'schema-version': String(EVENT_SCHEMA_VERSION),
      'content-type': 'application/json',
      'event-type': e.type,
      'event-id': e.eventId,
      'stream-id': e.streamId,
      'stream-version': String(e.streamVersion),
      'command-id': e.metadata.commandId,
    },
  };
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
