import { createHash } from 'node:crypto';
import type { Role } from '../auth/roles.ts';
import type { AccountEvent } from '../domain/account/events.ts';
import { type AlertEvent, isAlertEventType } from '../domain/alert/events.ts';

/** Everything the log holds: account events and alert lifecycle events. */
export type LogEvent = AccountEvent | AlertEvent;

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

/** An event as the writer hands it to the log: enveloped and chained, not yet positioned. */
export interface NewEvent {
  eventId: string;
  type: LogEvent['type'];
  streamId: string;
  streamVersion: number;
  partition: number;
  occurredAt: string;
  data: LogEvent['data'];
  metadata: EventMetadata;
  prevHash: string;
  hash: string;
}

/** An event as the log stored it: with its position (offset) in its partition. */
export interface StoredEvent extends NewEvent {
  position: number;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

type Hashable = Omit<NewEvent, 'hash' | 'prevHash'>;

/**
 * The hash chain: each event's hash covers its content and the previous event's hash in the same
 * partition. The position is not covered (Kafka assigns offsets after the write), the order is.
 */
export function chainHash(prevHash: string, event: Hashable): string {
  const body = canonicalJson({
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    partition: event.partition,
    occurredAt: event.occurredAt,
    data: event.data,
    metadata: event.metadata,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function toAccountEvent(e: Pick<NewEvent, 'type' | 'data'>): AccountEvent {
  return { type: e.type, data: e.data } as AccountEvent;
}

export function isAlertEvent(e: Pick<NewEvent, 'type'>): boolean {
  return isAlertEventType(e.type);
}

export function toAlertEvent(e: Pick<NewEvent, 'type' | 'data'>): AlertEvent {
  return { type: e.type, data: e.data } as AlertEvent;
}
