import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { StoredEvent } from '../../log/envelope.ts';
import type { EventLog } from '../../log/event-log.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { problemResponses } from '../schemas.ts';

const EventSchema = z
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
export function eventRoutes(app: App, deps: { log: EventLog }): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events',
      tags: ['log'],
      summary: 'Read the event log from a position',
      request: { query: z.object({ after: After.default(-1), limit: z.coerce.number().int().min(1).max(1000).default(100), partition: Partition }) },
      responses: {
        200: { description: 'Events after the position, in log order', content: { 'application/json': { schema: z.object({ items: z.array(EventSchema), nextAfter: z.number().int() }).openapi('EventPage') } } },
        ...problemResponses(400, 401, 403, 429),
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
      responses: { 200: { description: 'text/event-stream; each event\'s id is its position', content: { 'text/event-stream': { schema: z.string() } } }, ...problemResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.partition >= deps.log.partitions) throw new ApiProblem('validation_failed', `the log has ${deps.log.partitions} partition(s)`, [{ field: 'partition', message: 'no such partition' }]);
      const lastEventId = c.req.header('last-event-id');
      let after = q.after ?? -1;
      if (lastEventId !== undefined) {
        const parsed = After.safeParse(lastEventId);
        if (!parsed.success) throw new ApiProblem('validation_failed', 'Last-Event-ID must be a position', [{ field: 'Last-Event-ID', message: 'not a position' }]);
        after = parsed.data;
      } else if (q.after === undefined) {
        // No position given: tail from now.
        const last = await deps.log.last(q.partition);
        after = last ? last.position : -1;
      }
      return streamSSE(c, async (stream) => {
        let open = true;
        stream.onAbort(() => {
          open = false;
        });
        while (open) {
          const batch = await deps.log.read(q.partition, after, 500);
          for (const e of batch) {
            await stream.writeSSE({ id: String(e.position), event: e.type, data: JSON.stringify(wire(e)) });
            after = e.position;
          }
          if (batch.length === 0) {
            await deps.log.waitFor(q.partition, after, 15_000);
            if (open) await stream.write(': keep-alive\n\n');
          }
        }
      });
    },
  );
}
