import { can } from '../access.ts';
import { query } from '../api.ts';
import type { ConsoleApp, ConsoleContext, ConsoleDeps } from '../context.ts';
import { field, pageContext } from '../context.ts';
import { Badge, type Column, Csrf, Layout, Notice, Pager, Table, Time } from '../layout.tsx';
import type { Session } from '../session.ts';
import type { ApiKey } from '../types.ts';

interface Lag {
  projector: string;
  partition: string;
  events: string;
  seconds: string;
}

/** The projector lag gauges out of the Prometheus text of GET /metrics. */
export function parseLag(text: string): Lag[] {
  const rows = new Map<string, Lag>();
  const line = /^ledger_projector_lag_(events|seconds)\{([^}]*)\} (\S+)$/gm;
  for (const m of text.matchAll(line)) {
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels['projector']}/${labels['partition']}`;
    const row = rows.get(key) ?? { projector: labels['projector'] ?? '?', partition: labels['partition'] ?? '?', events: '—', seconds: '—' };
    row[m[1] as 'events' | 'seconds'] = m[3]!;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.projector.localeCompare(b.projector) || Number(a.partition) - Number(b.partition));
}

async function lagOf(c: ConsoleContext): Promise<Lag[] | string> {
  const res = await c.get('api').request('GET', '/metrics');
  if (res.status === 404) return 'Metrics are turned off on this server.';
  if (!res.ok) return 'Projector lag comes from /metrics, which needs an admin or auditor key (or the scrape token).';
  return parseLag(await res.text());
}

type Head = { partition: number; last: { position: number; type: string; occurredAt: string } | null };

const HEAD_COLUMNS: ReadonlyArray<Column<Head>> = [
  { label: 'Partition', kind: 'num', cell: (h) => h.partition },
  { label: 'Last position', kind: 'num', cell: (h) => h.last?.position ?? 'empty' },
  { label: 'Last event', cell: (h) => h.last?.type ?? '—' },
  { label: 'Written', cell: (h) => <Time iso={h.last?.occurredAt ?? null} /> },
];

const LAG_COLUMNS: ReadonlyArray<Column<Lag>> = [
  { label: 'Projection', cell: (l) => l.projector },
  { label: 'Partition', kind: 'num', cell: (l) => l.partition },
  { label: 'Events behind', kind: 'num', cell: (l) => l.events },
  { label: 'Oldest unprojected (s)', kind: 'num', cell: (l) => l.seconds },
];

/** health: null when /healthz answers OK, else its status. */
function HealthCards({ health, ready, partitions }: { health: number | null; ready: boolean; partitions: number }) {
  return (
    <div class="cards">
      <div class="card">
        <div class="label">Process</div>
        <div class="value">
          <Badge value={health === null ? 'ok' : 'bad'} /> {health === null ? 'up' : `answers ${health}`}
        </div>
      </div>
      <div class="card">
        <div class="label">Ready (writer not fenced)</div>
        <div class="value">
          <Badge value={ready ? 'ok' : 'bad'} /> {ready ? 'ready' : 'not ready'}
        </div>
      </div>
      <div class="card">
        <div class="label">Log partitions</div>
        <div class="value">{partitions}</div>
      </div>
    </div>
  );
}

async function systemPage(c: ConsoleContext, deps: ConsoleDeps) {
  const api = c.get('api');
  const ctx = pageContext(c);
  const [health, ready, lag] = await Promise.all([api.request('GET', '/healthz'), api.request('GET', '/readyz'), lagOf(c)]);
  const readsLog = can(ctx.session.principal, 'GET', '/v1/events');
  const heads: Head[] = readsLog ? await Promise.all(Array.from({ length: deps.log.partitions }, async (_, p) => ({ partition: p, last: await deps.log.last(p) }))) : [];
  return c.html(
    <Layout ctx={ctx} title="System">
      <HealthCards health={health.ok ? null : health.status} ready={ready.ok} partitions={deps.log.partitions} />
      <h2>Log position</h2>
      {readsLog ? (
        <Table columns={HEAD_COLUMNS} rows={heads} />
      ) : (
        <p class="muted">Log positions are for roles that may read the log (auditor, admin).</p>
      )}
      <h2>Projector lag</h2>
      {typeof lag === 'string' ? (
        <p class="muted">{lag}</p>
      ) : (
        <Table columns={LAG_COLUMNS} rows={lag} />
      )}
    </Layout>,
  );
}

function KeyForm({ session }: { session: Session }) {
  return (
    <form method="post" action="/console/keys">
      <fieldset>
        <legend>New key</legend>
        <Csrf session={session} />
        <label>
          Name
          <input name="name" required maxlength={100} placeholder="e.g. branch 12 teller terminal" />
        </label>
        <label>
          Role
          <select name="role">
            {['teller', 'auditor', 'analyst', 'admin'].map((r) => (
              <option value={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Only these accounts <span class="muted">(ids, comma-separated; blank: all)</span>
          <input name="accounts" size={40} />
        </label>
        <button type="submit">Create key</button>
      </fieldset>
    </form>
  );
}

function KeyState({ session, k, revokes }: { session: Session; k: ApiKey; revokes: boolean }) {
  if (k.id === session.principal.keyId) return <>active (this session)</>;
  if (k.revokedAt) {
    return (
      <>
        revoked <Time iso={k.revokedAt} />
      </>
    );
  }
  if (!revokes) return <>active</>;
  return (
    <form method="post" action={`/console/keys/${k.id}/revoke`}>
      <Csrf session={session} />
      <button type="submit" class="danger" aria-label={`Revoke key ${k.name}`}>
        Revoke
      </button>
    </form>
  );
}

function keyColumns(session: Session, revokes: boolean): ReadonlyArray<Column<ApiKey>> {
  return [
    { label: 'Key', kind: 'mono', cell: (k) => k.prefix },
    { label: 'Name', cell: (k) => k.name },
    { label: 'Role', cell: (k) => k.role },
    { label: 'Accounts', cell: (k) => (k.accounts ? `${k.accounts.length} only` : 'all') },
    {
      label: 'Created',
      cell: (k) => (
        <>
          <Time iso={k.createdAt} /> by <span class="mono">{k.createdBy}</span>
        </>
      ),
    },
    { label: 'State', cell: (k) => <KeyState session={session} k={k} revokes={revokes} /> },
  ];
}

async function keysPage(c: ConsoleContext, created: { token: string; name: string } | null = null) {
  const ctx = pageContext(c);
  const after = c.req.query('after');
  const page = await c.get('api').get<{ items: ApiKey[]; nextAfter: string | null }>(`/v1/keys${query({ after, limit: 100 })}`);
  const revokes = can(ctx.session.principal, 'DELETE', '/v1/keys/{id}');
  return c.html(
    <Layout ctx={ctx} title="API keys">
      {created ? (
        <Notice kind="ok">
          <p>
            Key <strong>{created.name}</strong> created. Copy its token now: it is not shown again.
          </p>
          <p class="token" data-testid="new-token">
            {created.token}
          </p>
        </Notice>
      ) : null}
      {c.req.query('revoked') ? <Notice kind="ok">Key {c.req.query('revoked')} revoked.</Notice> : null}
      {can(ctx.session.principal, 'POST', '/v1/keys') ? <KeyForm session={ctx.session} /> : null}
      <Table columns={keyColumns(ctx.session, revokes)} rows={page.items} />
      <Pager next={page.nextAfter ? `/console/keys?after=${encodeURIComponent(page.nextAfter)}` : null} />
    </Layout>,
    created ? 201 : 200,
  );
}

export function operatorPages(app: ConsoleApp, deps: ConsoleDeps): void {
  app.get('/system', (c) => systemPage(c, deps));
  app.get('/keys', (c) => keysPage(c));
  app.post('/keys', async (c) => {
    const form = await c.req.parseBody();
    const accounts = field(form, 'accounts')
      .split(/[\s,]+/)
      .filter(Boolean);
    const body = { name: field(form, 'name'), role: field(form, 'role'), ...(accounts.length ? { accounts } : {}) };
    const created = await c.get('api').call<{ token: string; name: string }>('POST', '/v1/keys', body);
    return keysPage(c, created.body);
  });
  app.post('/keys/:id/revoke', async (c) => {
    const id = c.req.param('id');
    await c.get('api').call('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
    return c.redirect(`/console/keys?revoked=${encodeURIComponent(id)}`, 303);
  });
}
