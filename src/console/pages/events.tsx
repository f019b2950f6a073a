import { streamSSE } from 'hono/streaming';
import { ApiFailure, query } from '../api.ts';
import type { ConsoleApp, ConsoleContext, ConsoleDeps } from '../context.ts';
import { pageContext } from '../context.ts';
import { Layout, Time } from '../layout.tsx';
import type { StreamEvent } from '../types.ts';

const RECENT = 50;

interface EventFilter {
  type: string;
  accountId: string;
}

function filterOf(c: ConsoleContext): EventFilter {
  return { type: (c.req.query('type') ?? '').trim().slice(0, 64), accountId: (c.req.query('accountId') ?? '').trim().slice(0, 64) };
}

/** An event passes when its type contains the type filter and it names the account (as its stream or in its data). */
function matches(e: StreamEvent, f: EventFilter): boolean {
  if (f.type && !e.type.toLowerCase().includes(f.type.toLowerCase())) return false;
  if (f.accountId && e.streamId !== f.accountId && !Object.values(e.data).includes(f.accountId)) return false;
  return true;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function summary(e: StreamEvent): string {
  const d = e.data;
  const amount = str(d['amount']);
  const currency = str(d['currency']) ?? '';
  const owner = str(d['ownerId']);
  const parts = [amount ? `${amount} ${currency}`.trim() : currency ? `${currency} account${owner ? ` of ${owner}` : ''}` : null];
  const from = str(d['fromAccountId']);
  const to = str(d['toAccountId']);
  if (from && to) parts.push(`${from} → ${to}`);
  const reason = str(d['reason']) ?? str(d['note']) ?? str(d['reference']);
  if (reason) parts.push(reason);
  return parts.filter(Boolean).join(' · ');
}

export function EventRow({ e, fresh }: { e: StreamEvent; fresh?: boolean }) {
  return (
    <tr class={fresh ? 'fresh' : undefined}>
      <td>
        <Time iso={e.occurredAt} />
      </td>
      <td class="num">
        {e.partition}:{e.position}
      </td>
      <td>{e.type}</td>
      <td class="mono">{/^[0-9a-f-]{36}$/.test(e.streamId) ? <a href={`/console/accounts/${e.streamId}`}>{e.streamId}</a> : e.streamId}</td>
      <td>{summary(e)}</td>
      <td class="mono">{str(e.metadata['actor']) ?? '—'}</td>
    </tr>
  );
}

async function recent(c: ConsoleContext, deps: ConsoleDeps, f: EventFilter): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for (let p = 0; p < deps.log.partitions; p++) {
    const head = (await deps.log.last(p))?.position ?? -1;
    const page = await c.get('api').get<{ items: StreamEvent[] }>(`/v1/events${query({ partition: p, after: Math.max(-1, head - 200), limit: 200 })}`);
    out.push(...page.items.filter((e) => matches(e, f)));
  }
  return out.sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : b.position - a.position)).slice(0, RECENT);
}

async function eventsPage(c: ConsoleContext, deps: ConsoleDeps) {
  const f = filterOf(c);
  const rows = await recent(c, deps, f);
  return c.html(
    <Layout ctx={pageContext(c)} title="Live events">
      <form class="filters" method="get" action="/console/events" aria-label="Filter events">
        <label>
          Event type contains
          <input name="type" value={f.type} placeholder="e.g. Transfer" />
        </label>
        <label>
          Account id
          <input name="accountId" value={f.accountId} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <section data-live aria-label="Events">
        <p class="live-status">
          <span data-live-status aria-live="polite">
            Live: connecting…
          </span>{' '}
          · <span data-live-count>{rows.length}</span> event(s) shown, newest first.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col" class="num">Partition:position</th>
              <th scope="col">Type</th>
              <th scope="col">Stream</th>
              <th scope="col">What</th>
              <th scope="col">Actor</th>
            </tr>
          </thead>
          <tbody id="events" data-live-src={`/console/events/stream${query({ type: f.type, accountId: f.accountId })}`}>
            {rows.length === 0 ? (
              <tr data-empty>
                <td colspan={6} class="muted">
                  No events yet; new ones appear here as they are written.
                </td>
              </tr>
            ) : (
              rows.map((e) => <EventRow e={e} />)
            )}
          </tbody>
        </table>
      </section>
    </Layout>,
  );
}

/** Splits an SSE body into its events (the API's frames: event, id, one data line). */
async function* frames(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        // A frame without data is the API's keep-alive comment: passed on, so idle proxies keep the connection.
        yield data.length ? { event, data: data.join('\n') } : { event: 'keep-alive', data: '' };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * The live table's feed: the API's event stream of every partition, opened with the session's
 * credential (so the API's role check, stream limits and revocation apply), rendered as table rows.
 */
async function eventStream(c: ConsoleContext, deps: ConsoleDeps) {
  const f = filterOf(c);
  const upstream: Response[] = [];
  for (let p = 0; p < deps.log.partitions; p++) {
    const res = await c.get('api').request('GET', `/v1/events/stream?partition=${p}`, undefined, { accept: 'text/event-stream' });
    if (!res.ok) {
      await Promise.all(upstream.map((u) => u.body?.cancel().catch(() => {})));
      const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
      throw new ApiFailure({ status: res.status, code: problem.code ?? 'error', detail: problem.detail ?? 'the event stream was refused' });
    }
    upstream.push(res);
  }
  const readers = upstream.map((res) => res.body!.getReader());
  // Cancelling a reader ends the API's stream too (its subscription and its slot are released).
  const closeAll = () => Promise.all(readers.map((r) => r.cancel().catch(() => {})));
  return streamSSE(c, async (stream) => {
    const pumps = readers.map(async (reader) => {
      for await (const frame of frames(reader)) {
        if (stream.aborted) return;
        if (frame.event === 'keep-alive') {
          await stream.write(': keep-alive\n\n');
          continue;
        }
        if (frame.event === 'end') {
          await stream.writeSSE({ event: 'end', data: frame.data });
          return;
        }
        const e = JSON.parse(frame.data) as StreamEvent;
        if (!matches(e, f)) continue;
        const row = String(await (<EventRow e={e} fresh />).toString()).replace(/\r?\n/g, ' ');
        await stream.writeSSE({ event: 'row', id: `${e.partition}:${e.position}`, data: row });
      }
    });
    stream.onAbort(() => void closeAll());
    await Promise.race(pumps);
    await closeAll();
  });
}

export function eventPages(app: ConsoleApp, deps: ConsoleDeps): void {
  app.get('/events', (c) => eventsPage(c, deps));
  app.get('/events/stream', (c) => eventStream(c, deps));
}
