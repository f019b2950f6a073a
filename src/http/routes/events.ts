import { createRoute, z } from '@hono/zod-openapi';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { Authenticator } from '../../auth/authenticator.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import type { EventLog } from '../../log/event-log.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { EventHub, StreamLimits, type Subscription } from '../sse/event-hub.ts';

export const EventSchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    streamId: z.string(),
    streamVersion: z.number().int(),
    partition: z.number().int(),
    position: z.number().int(),
    occurredAt: z.string(),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('Event');

const After = z.coerce.number().int().min(-1).max(Number.MAX_SAFE_INTEGER);
const Partition = z.coerce.number().int().min(0).max(1023).default(0);

function wire(e: StoredEvent): z.infer<typeof EventSchema> {
  return { ...e, data: e.data as unknown as Record<string, unknown>, metadata: e.metadata as unknown as Record<string, unknown> };
}

/** The raw log, for auditors and integrations: pages, and a live tail over Server-Sent Events. */
export interface StreamConfig {
  maxPerKey: number;
  maxTotal: number;
  /** Events a slow stream may have waiting before it is dropped. */
  bufferEvents: number;
  /** How often an open stream's token is checked again (revocation, expiry). */
  recheckMs: number;
}

export const DEFAULT_STREAMS: StreamConfig = { maxPerKey: 10, maxTotal: 500, bufferEvents: 5000, recheckMs: 5000 };

export function eventRoutes(app: App, deps: { log: EventLog; authenticator?: Authenticator; streams?: StreamConfig }): void {
  const streams = deps.streams ?? DEFAULT_STREAMS;
  const hub = new EventHub(deps.log, { bufferEvents: streams.bufferEvents });
  const limits = new StreamLimits(streams.maxPerKey, streams.maxTotal);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events',
      tags: ['log'],
      summary: 'Read the event log from a position',
      request: { query: z.object({ after: After.default(-1), limit: z.coerce.number().int().min(1).max(1000).default(100), partition: Partition }) },
      responses: {
        200: { description: 'Events after the position, in log order', content: { 'application/json': { schema: z.object({ items: z.array(EventSchema), nextAfter: z.number().int() }).openapi('EventPage') } } },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.partition >= deps.log.partitions) throw new ApiProblem('validation_failed', `the log has ${deps.log.partitions} partition(s)`, [{ field: 'partition', message: 'no such partition' }]);
      const items = await deps.log.read(q.partition, q.after, q.limit);
      return c.json({ items: items.map(wire), nextAfter: items.length ? items[items.length - 1]!.position : q.after }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events/stream',
      tags: ['log'],
      summary: 'Live tail of the log as Server-Sent Events; resume with Last-Event-ID',
      request: { query: z.object({ after: After.optional(), partition: Partition }) },
      responses: { 200: { description: 'text/event-stream; each event\'s id is its position', content: { 'text/event-stream': { schema: z.string() } } } },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.partition >= deps.log.partitions) throw new ApiProblem('validation_failed', `the log has ${deps.log.partitions} partition(s)`, [{ field: 'partition', message: 'no such partition' }]);
      const after = await startPosition(deps.log, q, c.req.header('last-event-id'));
      const principal = c.get('principal');
      const caller = principal.keyId ?? principal.actor;
      const slot = limits.acquire(caller);
      if (slot !== 'ok') {
        const detail = slot === 'per_key' ? `at most ${streams.maxPerKey} open streams per caller` : `at most ${streams.maxTotal} open streams on this server`;
        throw new ApiProblem('rate_limited', detail, [], { 'Retry-After': String(STREAM_RETRY_AFTER_S) });
      }
      let sub: Subscription;
      try {
        sub = await hub.subscribe(q.partition, after);
      } catch (err) {
        limits.release(caller);
        throw err;
      }
      const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1] ?? null;
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => sub.close());
        // A revoked key or an expired token ends the stream: the token is checked again while it is open.
        const recheck = token && deps.authenticator ? setInterval(() => void stillValid(deps.authenticator!, token).then((ok) => ok || sub.end('unauthorized')), streams.recheckMs) : null;
        // A JWT's stream ends at its exp, to the millisecond (the re-check allows the clock skew).
        const expiry = principal.expiresAt === undefined ? null : setTimeout(() => sub.end('unauthorized'), Math.max(0, Math.min(principal.expiresAt - Date.now(), 2 ** 31 - 1)));
        try {
          await pump(stream, sub);
        } finally {
          if (recheck) clearInterval(recheck);
          if (expiry) clearTimeout(expiry);
          sub.close();
          limits.release(caller);
        }
      });
    },
  );
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;
const STREAM_RETRY_AFTER_S = 5;
const KEEP_ALIVE_MS = 15_000;

/** Where a stream starts: Last-Event-ID, else ?after=, else the partition's current end. */
async function startPosition(log: EventLog, q: { after?: number | undefined; partition: number }, lastEventId: string | undefined): Promise<number> {
  if (lastEventId !== undefined) {
    const parsed = After.safeParse(lastEventId);
    if (!parsed.success) throw new ApiProblem('validation_failed', 'Last-Event-ID must be a position', [{ field: 'Last-Event-ID', message: 'not a position' }]);
    return parsed.data;
  }
  if (q.after !== undefined) return q.after;
  const last = await log.last(q.partition);
  return last ? last.position : -1;
}

async function stillValid(auth: Authenticator, token: string): Promise<boolean> {
  try {
    return (await auth.verify(token)) !== null;
  } catch {
    return true; // the key store is unreachable: not a reason to cut the stream
  }
}

/** An event's SSE frame, serialised once however many streams it goes to (the hub hands every stream the same object). */
const frames = new WeakMap<StoredEvent, Uint8Array>();
const encoder = new TextEncoder();
function frameOf(e: StoredEvent): Uint8Array {
  let frame = frames.get(e);
  if (frame === undefined) {
    // JSON.stringify never emits a raw line break, so the data is one SSE line.
    frame = encoder.encode(`event: ${e.type}\nid: ${e.position}\ndata: ${JSON.stringify(wire(e))}\n\n`);
    frames.set(e, frame);
  }
  return frame;
}

/** Writes the subscription's events until it ends; says why in a last `end` event. */
async function pump(stream: SSEStreamingApi, sub: Subscription): Promise<void> {
  for (;;) {
    const batch = await sub.next(KEEP_ALIVE_MS);
    if (batch === null) break;
    for (const e of batch) await stream.write(frameOf(e));
    if (batch.length === 0) await stream.write(': keep-alive\n\n');
  }
  const reason = sub.endReason;
  if (reason && reason !== 'closed' && !stream.aborted) await stream.writeSSE({ event: 'end', data: JSON.stringify({ reason }) });
}
