import { can } from '../access.ts';
import { query } from '../api.ts';
import { afterWrite, written } from '../read-your-writes.ts';
import type { ConsoleApp, ConsoleContext } from '../context.ts';
import { field, pageContext } from '../context.ts';
import { CounterpartyGraph } from '../graph.tsx';
import { AccountLink, Badge, type Column, Csrf, Layout, Notice, Table, Time } from '../layout.tsx';
import type { Session } from '../session.ts';
import type { Account, Alert, AlertDetail, AlertTransaction, FraudRules, Owner, Page } from '../types.ts';

const NEXT: Record<string, readonly string[]> = { open: ['investigating', 'dismissed', 'escalated'], investigating: ['dismissed', 'escalated'] };
const QUEUE_LIMIT = 200;

function sortAlerts(items: Alert[], sort: string): Alert[] {
  const byAge = (a: Alert, b: Alert) => (a.raisedAt < b.raisedAt ? -1 : a.raisedAt > b.raisedAt ? 1 : 0);
  if (sort === 'score') return [...items].sort((a, b) => b.score - a.score || byAge(a, b));
  if (sort === 'oldest') return [...items].sort(byAge);
  return [...items].sort((a, b) => byAge(b, a));
}

function Select({ name, label, value, options }: { name: string; label: string; value: string; options: ReadonlyArray<[string, string]> }) {
  return (
    <label>
      {label}
      <select name={name}>
        {options.map(([v, text]) => (
          <option value={v} selected={v === value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

const any = (values: readonly string[]): Array<[string, string]> => [['', 'any'], ...values.map((v): [string, string] => [v, v.replace(/_/g, ' ')])];

const QUEUE_COLUMNS: ReadonlyArray<Column<Alert>> = [
  { label: 'Score', kind: 'num', cell: (a) => a.score },
  { label: 'Severity', cell: (a) => <Badge value={a.severity} /> },
  { label: 'Rule', cell: (a) => a.rule.replace(/_/g, ' ') },
  { label: 'Summary', cell: (a) => <a href={`/console/alerts/${a.id}`}>{a.summary}</a> },
  { label: 'Status', cell: (a) => <Badge value={a.status} /> },
  { label: 'Raised', cell: (a) => <Time iso={a.raisedAt} /> },
];

async function queue(c: ConsoleContext) {
  const f = { status: c.req.query('status') ?? 'open', rule: c.req.query('rule') ?? '', severity: c.req.query('severity') ?? '', accountId: (c.req.query('accountId') ?? '').trim() };
  const sort = c.req.query('sort') ?? 'score';
  const api = c.get('api');
  const [page, rules] = await Promise.all([api.get<Page<Alert>>(`/v1/fraud/alerts${query({ ...f, limit: QUEUE_LIMIT })}`), api.get<FraudRules>('/v1/fraud/rules')]);
  const items = sortAlerts(page.items, sort);
  return c.html(
    <Layout ctx={pageContext(c)} title="Alerts">
      <form class="filters" method="get" action="/console/alerts" aria-label="Filter alerts">
        <Select name="status" label="Status" value={f.status} options={any(['open', 'investigating', 'dismissed', 'escalated'])} />
        <Select name="rule" label="Rule" value={f.rule} options={any(rules.rules)} />
        <Select name="severity" label="Severity" value={f.severity} options={any(['low', 'medium', 'high', 'critical'])} />
        <label>
          Account id
          <input name="accountId" value={f.accountId} />
        </label>
        <Select name="sort" label="Sort by" value={sort} options={[['score', 'score, highest first'], ['newest', 'age, newest first'], ['oldest', 'age, oldest first']]} />
        <button type="submit">Apply</button>
      </form>
      <Table columns={QUEUE_COLUMNS} rows={items} caption={items.length === 0 ? 'No alert matches.' : `${items.length} alert(s)${page.nextCursor ? ` (the newest ${QUEUE_LIMIT})` : ''}`} />
    </Layout>,
  );
}

function Lifecycle({ session, alert }: { session: Session; alert: Alert }) {
  const next = NEXT[alert.status] ?? [];
  if (next.length === 0) return <p class="muted">This alert is {alert.status}: final.</p>;
  if (!can(session.principal, 'POST', '/v1/fraud/alerts/{id}/status')) return null;
  return (
    <form method="post" action={`/console/alerts/${alert.id}/status`}>
      <fieldset>
        <legend>Move this alert</legend>
        <Csrf session={session} />
        <label>
          New status
          <select name="status" required>
            {next.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Note
          <textarea name="note" maxlength={2000} placeholder="What you found, what you did"></textarea>
        </label>
        <button type="submit">Record</button>
      </fieldset>
    </form>
  );
}

function AlertCards({ alert }: { alert: Alert }) {
  return (
    <div class="cards">
      <div class="card">
        <div class="label">Status</div>
        <div class="value">
          <Badge value={alert.status} />
        </div>
      </div>
      <div class="card">
        <div class="label">Severity · score</div>
        <div class="value">
          <Badge value={alert.severity} /> {alert.score}
        </div>
      </div>
      <div class="card">
        <div class="label">Amount</div>
        <div class="value">
          {alert.amount} {alert.currency}
        </div>
      </div>
      <div class="card">
        <div class="label">Raised</div>
        <div class="value">
          <Time iso={alert.raisedAt} />
        </div>
      </div>
    </div>
  );
}

function History({ alert }: { alert: Alert }) {
  return (
    <>
      <h2>History</h2>
      <ol>
        {alert.history.map((h) => (
          <li>
            <Time iso={h.at} /> — <Badge value={h.status} /> by <span class="mono">{h.actor}</span>
            {h.note ? `: ${h.note}` : ''}
          </li>
        ))}
      </ol>
    </>
  );
}

const EVIDENCE_COLUMNS: ReadonlyArray<Column<AlertTransaction>> = [
  { label: 'When', cell: (t) => <Time iso={t.occurredAt} /> },
  { label: 'Kind', cell: (t) => t.kind.replace(/_/g, ' ') },
  { label: 'From', kind: 'mono', cell: (t) => <AccountLink id={t.fromAccountId} /> },
  { label: 'To', kind: 'mono', cell: (t) => <AccountLink id={t.toAccountId} /> },
  { label: 'Amount', kind: 'num', cell: (t) => `${t.amount} ${t.currency}` },
  { label: 'Reference', cell: (t) => t.reference ?? '—' },
  { label: 'Actor', kind: 'mono', cell: (t) => t.actor },
];

async function alertPage(c: ConsoleContext) {
  const id = c.req.param('id')!;
  const api = c.get('api');
  const alert = await api.get<AlertDetail>(`/v1/fraud/alerts/${encodeURIComponent(id)}${query(afterWrite(c))}`);
  const ctx = pageContext(c);
  const owner = can(ctx.session.principal, 'GET', '/v1/accounts/{id}', alert.accountId) ? await api.get<Account>(`/v1/accounts/${alert.accountId}`).then((a) => a.ownerId).catch(() => null) : null;
  return c.html(
    <Layout ctx={ctx} title={`Alert: ${alert.rule.replace(/_/g, ' ')}`}>
      {c.req.query('done') ? <Notice kind="ok">Recorded: the alert is {alert.status}.</Notice> : null}
      <p>{alert.summary}</p>
      <AlertCards alert={alert} />
      <p>
        Accounts:{' '}
        {alert.accountIds.map((a, i) => (
          <>
            {i ? ', ' : ''}
            <a class="mono" href={`/console/accounts/${a}`}>
              {a}
            </a>
          </>
        ))}
        {owner ? (
          <>
            {' '}· owner <a href={`/console/owners/${encodeURIComponent(owner)}`}>{owner}</a>
          </>
        ) : null}
      </p>
      <Lifecycle session={ctx.session} alert={alert} />
      <h2>Counterparties</h2>
      <CounterpartyGraph transactions={alert.transactions} flagged={alert.accountIds} currency={alert.currency} />
      <h2>Evidence</h2>
      <Table columns={EVIDENCE_COLUMNS} rows={alert.transactions} />
      <History alert={alert} />
    </Layout>,
  );
}

async function ownerPage(c: ConsoleContext) {
  const ownerId = c.req.param('ownerId')!;
  const owner = await c.get('api').get<Owner>(
    `/v1/owners/${encodeURIComponent(ownerId)}`,
  );
  const alerts = can(pageContext(c).session.principal, 'GET', '/v1/fraud/alerts/{id}');
  return c.html(
    <Layout ctx={pageContext(c)} title={`Owner ${owner.ownerId}`}>
      <div class="cards">
        {owner.totals.map((t) => (
          <div class="card">
            <div class="label">
              {t.currency} · {t.accounts} account(s)
            </div>
            <div class="value">{t.balance}</div>
            <div class="label">held {t.held}</div>
          </div>
        ))}
      </div>
      <h2>Accounts</h2>
      <ul>
        {owner.accounts.map((a) => (
          <li>
            <a class="mono" href={`/console/accounts/${a.id}`}>
              {a.id}
            </a>{' '}
            {a.balance} {a.currency} <Badge value={a.status} />
          </li>
        ))}
      </ul>
      <h2>Open alerts</h2>
      {owner.openAlerts.length === 0 ? <p class="muted">None.</p> : null}
      <ul>
        {owner.openAlerts.map((a) => (
          <li>
            <Badge value={a.severity} /> {alerts ? <a href={`/console/alerts/${a.id}`}>{a.rule.replace(/_/g, ' ')}</a> : a.rule.replace(/_/g, ' ')} · raised <Time iso={a.raisedAt} />
          </li>
        ))}
      </ul>
    </Layout>,
  );
}

export function alertPages(app: ConsoleApp): void {
  app.get('/alerts', queue);
  app.get('/alerts/:id', alertPage);
  app.get('/owners/:ownerId', ownerPage);
  app.post('/alerts/:id/status', async (c) => {
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    const note = field(form, 'note');
    const done = await c.get('api').call<{ position: number; partition: number }>('POST', `/v1/fraud/alerts/${encodeURIComponent(id)}/status`, { status: field(form, 'status'), ...(note ? { note } : {}) });
    return c.redirect(`/console/alerts/${id}?done=1&${written(done.body)}`, 303);
  });
}
