import * as crypto from 'node:crypto';
import type { Role } from '../auth/roles.ts';
import { assert } from '../assert.ts';
import type { AccountEvent } from '../domain/account/events.ts';
import type { AlertEvent } from '../domain/alert/events.ts';
import type { HoldEvent } from '../domain/hold/events.ts';
import type { DomainEvent } from '../domain/decider.ts';
import { aggregateOfEvent, isEventType } from '../domain/registry.ts';

/** Everything the log holds: the events of every aggregate. */
export type LogEvent = DomainEvent;

/** Who caused a command and from where: recorded on every event it produced. */
export interface EventMetadata {
  commandId: string;
  /** SHA-256 of the command as received, so a retried key with another body is told apart. */
  requestHash: string;
  correlationId: string;
  causationId: string | null;
  /** Who caused it: `key:<api key id>` or `jwt:<subject>`. */
  actor: string;
  /** The role the actor acted in. */
  actorRole: Role;
  /** requestId is also the X-Request-Id of the HTTP response and of the access log line. */
  origin: { ip: string | null; userAgent: string | null; requestId: string | null };
}

interface Envelope {
  eventId: string;
  streamId: string;
  streamVersion: number;
  partition: number;
  occurredAt: string;
  metadata: EventMetadata;
  prevHash: string;
  hash: string;
}

/**
 * An event as the writer hands it to the log: enveloped and chained, not yet positioned. A union
 * over the event types, so `switch (e.type)` narrows `e.data` with no cast.
 */
export type NewEvent<E extends LogEvent = LogEvent> = E extends LogEvent ? Envelope & { type: E['type']; data: E['data'] } : never;

/** An event as the log stored it: with its position (offset) in its partition. */
export type StoredEvent<E extends LogEvent = LogEvent> = NewEvent<E> & { position: number };

/**
 * The one place where a record read back from a log becomes a typed event. A type the ledger does
 * not know means a corrupt log or a newer writer: stop rather than pass it on.
 */
export function storedEvent(fields: Omit<StoredEvent, 'type' | 'data'> & { type: string; data: unknown }): StoredEvent {
  assert(isEventType(fields.type), () => `event ${fields.eventId} at ${fields.partition}/${fields.position} has unknown type ${fields.type}`);
  return fields as StoredEvent;
}

/** The stored event of one type. */
export type StoredOf<T extends LogEvent['type']> = StoredEvent<Extract<LogEvent, { type: T }>>;

/** The event of a type in a command's result; the command produced it, or the domain is broken. */
export function eventOf<T extends LogEvent['type']>(events: readonly StoredEvent[], type: T): StoredOf<T> {
  const found = events.find((e): e is StoredOf<T> => e.type === type);
  assert(found, () => `command result has no ${type} event`);
  return found;
}

/** The last event of a command's result. */
export function lastOf(events: readonly StoredEvent[]): StoredEvent {
  const last = events[events.length - 1];
  assert(last, 'command produced no event');
  return last;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  // Written out by hand (this runs for every event the writer chains): the same bytes as mapping,
  // sorting and joining (test/unit/canonical-json.test.ts holds it to that definition). A primitive
  // is what JSON.stringify makes of it; an element JSON cannot write (undefined) joins as nothing,
  // a key with it is left out.
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON.stringify writes a finite number as String does (-0 as 0), the others as null.
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      return JSON.stringify(value);
  }
}

function canonicalArray(value: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + ((canonicalJson(value[i]) as string | undefined) ?? '');
  return `${out}]`;
}

function canonicalObject(record: Record<string, unknown>): string {
  const keys = sortedKeys(record);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = record[key];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${quotedKey(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * Own enumerable keys in UTF-16 code unit order (sort() without a comparator, as `<` orders
 * strings). Most come sorted already; the sorted order of the last few key lists that did not is
 * remembered (the data of one event type keeps one key order), so those are compared, not sorted.
 * The arrays returned are read, never changed.
 */
function sortedKeys(record: object): readonly string[] {
  const keys = Object.keys(record);
  let i = 1;
  while (i < keys.length && keys[i - 1]! < keys[i]!) i++;
  if (i >= keys.length) return keys;
  for (let slot = 0; slot < seenOrders.length; slot++) if (sameKeys(seenOrders[slot]!.keys, keys)) return seenOrders[slot]!.sorted;
  const sorted = [...keys].sort();
  seenOrders[nextOrderSlot] = { keys, sorted };
  nextOrderSlot = (nextOrderSlot + 1) % SEEN_ORDERS_MAX;
  return sorted;
}

const SEEN_ORDERS_MAX = 16;
const seenOrders: Array<{ keys: readonly string[]; sorted: readonly string[] }> = [];
let nextOrderSlot = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Object keys as JSON strings, remembered: the same few dozen field names come back in every event. */
const QUOTED_KEYS_MAX = 4096;
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
}

type Hashable = Pick<Envelope, 'eventId' | 'streamId' | 'streamVersion' | 'partition' | 'occurredAt' | 'metadata'> & { type: string; data: unknown };

/** The fields the hash covers, in canonical (sorted) order. */
const HASHED_FIELDS = ['data', 'eventId', 'metadata', 'occurredAt', 'partition', 'streamId', 'streamVersion', 'type'] as const satisfies ReadonlyArray<keyof Hashable>;

/**
 * The hash chain: each event's hash covers its content and the previous event's hash in the same
 * partition. The position is not covered (Kafka assigns offsets after the write), the order is.
 * The content is canonicalJson of the object of HASHED_FIELDS, written here field by field (its
 * keys are known and sorted) so that `metadataJson`, canonicalJson(event.metadata), can be written
 * once for every event of a command.
 */
export function chainHash(prevHash: string, event: Hashable, metadataJson: string = canonicalJson(event.metadata)): string {
  return hashOver(prevHash, event, canonicalJson(event.data), metadataJson);
}

function hashOver(prevHash: string, event: Hashable, dataJson: string, metadataJson: string): string {
  return sha256HexOf(`${prevHash}\n${hasAllFields(event) ? bodyOfAll(event, dataJson, metadataJson) : bodyOfSome(event, dataJson, metadataJson)}`);
}

/** True when no hashed field is undefined (every event a writer builds): the body is then written in one template. */
function hasAllFields(e: Hashable): boolean {
  return e.data !== undefined && e.eventId !== undefined && e.metadata !== undefined && e.occurredAt !== undefined && e.partition !== undefined && e.streamId !== undefined && e.streamVersion !== undefined && e.type !== undefined;
}

/** The canonical body of HASHED_FIELDS, every one present, in their (sorted) order. */
function bodyOfAll(e: Hashable, dataJson: string, metadataJson: string): string {
  return (
    `{"data":${dataJson},"eventId":${canonicalJson(e.eventId)},"metadata":${metadataJson},"occurredAt":${canonicalJson(e.occurredAt)},` +
    `"partition":${canonicalJson(e.partition)},"streamId":${canonicalJson(e.streamId)},"streamVersion":${canonicalJson(e.streamVersion)},"type":${canonicalJson(e.type)}}`
  );
}

/** The canonical body with the fields that are undefined left out, as canonicalJson leaves out an undefined key. */
function bodyOfSome(event: Hashable, dataJson: string, metadataJson: string): string {
  let body = '{';
  for (const field of HASHED_FIELDS) {
    const v = event[field];
    if (v === undefined) continue;
    body += `${body.length > 1 ? ',' : ''}"${field}":${field === 'data' ? dataJson : field === 'metadata' ? metadataJson : canonicalJson(v)}`;
  }
  return `${body}}`;
}

/** The JSON of an event's data and metadata, as a log writes them. */
export interface ContentJson {
  data: string;
  metadata: string;
}

/** An event as chainEvent returns it: the body's fields (in its order), then prevHash and hash. */
export type ChainedEvent = Hashable & { prevHash: string; hash: string };

/**
 * A chained event, built field by field (no spread of the body, no property defined afterwards).
 * The canonical JSON the hash covered is kept in private fields, for the logs' encoders: copies of
 * the event ({ ...e, position }), JSON and comparisons never see it (a WeakMap of every event in
 * flight tripled the engine's GC time). Events are never changed once chained.
 */
class Chained implements ChainedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly partition: number;
  readonly occurredAt: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly prevHash: string;
  readonly hash: string;
  readonly #dataJson: string;
  readonly #metadataJson: string;

  constructor(prevHash: string, body: Hashable, dataJson: string, metadataJson: string) {
    this.eventId = body.eventId;
    this.type = body.type;
    this.streamId = body.streamId;
    this.streamVersion = body.streamVersion;
    this.partition = body.partition;
    this.occurredAt = body.occurredAt;
    this.data = body.data;
    this.metadata = body.metadata;
    this.prevHash = prevHash;
    this.hash = hashOver(prevHash, body, dataJson, metadataJson);
    this.#dataJson = dataJson;
    this.#metadataJson = metadataJson;
  }

  /** The JSON kept by the constructor, or null for an event built elsewhere. */
  static contentOf(e: object): ContentJson | null {
    return #dataJson in e ? { data: e.#dataJson, metadata: e.#metadataJson } : null;
  }
}

/**
 * The event chained to `prevHash`: its hash, and the canonical JSON of its data and metadata kept
 * beside it (contentJson) for the log to write as they are.
 */
export function chainEvent(prevHash: string, body: Hashable, metadataJson: string = canonicalJson(body.metadata)): ChainedEvent {
  return new Chained(prevHash, body, canonicalJson(body.data), metadataJson);
}

/**
 * The JSON of an event's data and metadata to store: the bytes its hash covered when chainEvent
 * built it, else (events built elsewhere) JSON.stringify's. Key order means nothing to a reader.
 */
export function contentJson(e: NewEvent): ContentJson {
  return Chained.contentOf(e) ?? { data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata) };
}

/** SHA-256 in one call where Node has it (20.12+), the streaming API before. */
const sha256HexOf: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function sha256Hex(text: string): string {
  return sha256HexOf(text);
}

/** An event of the account aggregate: `e.type` and `e.data` narrow to the account's events. */
export function isAccountEvent(e: StoredEvent): e is StoredEvent<AccountEvent> {
  return aggregateOfEvent(e.type) === 'account';
}

/** An alert lifecycle event. */
export function isAlertEvent(e: StoredEvent): e is StoredEvent<AlertEvent> {
  return aggregateOfEvent(e.type) === 'alert';
}

/** An event of a hold's own stream. */
export function isHoldEvent(e: StoredEvent): e is StoredEvent<HoldEvent> {
  return aggregateOfEvent(e.type) === 'hold';
}
