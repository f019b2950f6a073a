import { can } from '../access.ts';
import { type ConsoleApi, query } from '../api.ts';
import { afterWrite, written } from '../read-your-writes.ts';
import type { ConsoleApp, ConsoleContext } from '../context.ts';
import { field, pageContext } from '../context.ts';
import { AccountLink, Badge, type Column, Csrf, Layout, Notice, Pager, Table, Time } from '../layout.tsx';
import type { Session } from '../session.ts';
import type { Account, Balance, Hold, JournalLine, Page } from '../types.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const JOURNAL_LIMIT = 200;

const ACCOUNT_COLUMNS: ReadonlyArray<Column<Account>> = [
  { label: 'Account', kind: 'mono', cell: (a) => <AccountLink id={a.id} /> },
  { label: 'Owner', cell: (a) => (a.ownerId ? <a href={`/console/accounts?ownerId=${encodeURIComponent(a.ownerId)}`}>{a.ownerId}</a> : <span class="muted">—</span>) },
  { label: 'Currency', cell: (a) => a.currency },
  { label: 'Status', cell: (a) => <Badge value={a.status} /> },
  { label: 'Balance', kind: 'num', cell: (a) => a.balance },
  { label: 'Available', kind: 'num', cell: (a) => a.available },
];

function SearchForm({ id, q }: { id: string; q: { ownerId: string; status: string; currency: string } }) {
  return (
    <form class="filters" method="get" action="/console/accounts" role="search" aria-label="Find accounts">
      <label>
        Account id
        <input name="id" value={id} />
      </label>
      <label>
        Owner
        <input name="ownerId" value={q.ownerId} />
      </label>
      <label>
        Status
        <select name="status">
          {['', 'open', 'frozen', 'closed'].map((s) => (
            <option value={s} selected={s === q.status}>
              {s || 'any'}
            </option>
          ))}
        </select>
      </label>
      <label>
        Currency
        <input name="currency" value={q.currency} size={4} maxlength={3} placeholder="USD" />
      </label>
      <button type="submit">Search</button>
    </form>
  );
}

async function search(c: ConsoleContext) {
  const q = { ownerId: c.req.query('ownerId') ?? '', status: c.req.query('status') ?? '', currency: c.req.query('currency') ?? '', cursor: c.req.query('cursor') ?? '' };
  const id = (c.req.query('id') ?? '').trim();
  if (id && ID.test(id)) return c.redirect(`/console/accounts/${id}`, 303);
  const page = await c.get('api').get<Page<Account>>(`/v1/accounts${query({ ...q, limit: 50 })}`);
  const next = page.nextCursor ? `/console/accounts${query({ ...q, cursor: page.nextCursor })}` : null;
  return c.html(
    <Layout ctx={pageContext(c)} title="Accounts">
      <SearchForm id={id} q={q} />
      <Table columns={ACCOUNT_COLUMNS} rows={page.items} caption={page.items.length === 0 ? 'No account matches.' : `${page.items.length} account(s)${next ? ', more on the next page' : ''}`} />
      <Pager next={next} />
    </Layout>,
  );
}

interface TimeTravel {
  asOf: string;
  atPosition: string;
}

/** A datetime-local value (no zone, seconds optional) is read as UTC; a value with a zone is kept. */
function utcInstant(value: string): string {
  if (!value || /(?:[zZ]|[+-]\d\d:\d\d)$/.test(value)) return value;
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}

function timeTravel(c: ConsoleContext): TimeTravel | null {
  const asOf = utcInstant((c.req.query('asOf') ?? '').trim());
  const atPosition = (c.req.query('atPosition') ?? '').trim();
  return asOf || atPosition ? { asOf, atPosition } : null;
}

/** How far back the journal is paged to reach a time-travel point (lines read, newest first). */
const JOURNAL_SCAN_MAX = 10_000;

/**
 * The journal's newest JOURNAL_LIMIT lines, or as at a time-travel point: the lines at or before its
 * position, paged back to it through the API's cursor.
 */
async function journalAt(api: ConsoleApi, base: string, at: Balance | null): Promise<{ lines: JournalLine[]; more: boolean }> {
  if (at && at.position === null) return { lines: [], more: false };
  const lines: JournalLine[] = [];
  let cursor: string | null = null;
  for (let scanned = 0; lines.length < JOURNAL_LIMIT && scanned < JOURNAL_SCAN_MAX; ) {
    const page: Page<JournalLine> = await api.get<Page<JournalLine>>(`${base}/transactions${query({ limit: at ? 500 : JOURNAL_LIMIT, cursor })}`);
    scanned += page.items.length;
    lines.push(...page.items.filter((l) => !at || l.position <= at.position!));
    cursor = page.nextCursor;
    if (cursor === null) return { lines: lines.slice(0, JOURNAL_LIMIT), more: lines.length > JOURNAL_LIMIT };
  }
  return { lines: lines.slice(0, JOURNAL_LIMIT), more: true };
}

async function accountData(c: ConsoleContext, id: string, travel: TimeTravel | null) {
  const api = c.get('api');
  const base = `/v1/accounts/${encodeURIComponent(id)}`;
  const account = await api.get<Account>(`${base}${query(afterWrite(c))}`);
  const [holds, at] = await Promise.all([
    api.get<Page<Hold>>(`${base}/holds?limit=50`),
    travel ? api.get<Balance>(`${base}/balance${query(travel.atPosition ? { atPosition: travel.atPosition } : { asOf: travel.asOf })}`) : Promise.resolve(null),
  ]);
  const journal = await journalAt(api, base, at);
  return { account, journal: journal.lines, more: journal.more, holds: holds.items, at };
}

type AccountData = Awaited<ReturnType<typeof accountData>>;

const JOURNAL_COLUMNS: ReadonlyArray<Column<JournalLine>> = [
  { label: 'When', cell: (l) => <Time iso={l.occurredAt} /> },
  { label: 'Kind', cell: (l) => l.kind.replace(/_/g, ' ') },
  { label: 'Amount', kind: 'num', cell: (l) => l.amount },
  { label: 'Running balance', kind: 'num', cell: (l) => l.balanceAfter },
  { label: 'Counterparty', kind: 'mono', cell: (l) => <AccountLink id={l.counterpartyAccountId} /> },
  { label: 'Reference', cell: (l) => l.reference ?? '—' },
  { label: 'Position', kind: 'num', cell: (l) => l.position },
];

/** Balance cards and the journal: the part of the account page that live updates replace. */
function AccountLive({ d }: { d: AccountData }) {
  const a = d.account;
  const cards: Array<[string, string]> = d.at
    ? [[`Balance at ${d.at.position === null ? 'opening' : `position ${d.at.position}`}`, d.at.balance]]
    : [
        ['Balance', a.balance],
        ['Available', a.available],
        ['Held', a.held],
        ['Overdraft limit', a.overdraftLimit],
      ];
  return (
    <>
      <div class="cards">
        {cards.map(([label, value]) => (
          <div class="card">
            <div class="label">{label}</div>
            <div class="value" data-testid={label.startsWith('Balance') ? 'balance' : undefined}>
              {value} {a.currency}
            </div>
          </div>
        ))}
        <div class="card">
          <div class="label">{d.at ? 'Status now' : 'Status'}</div>
          <div class="value">
            <Badge value={a.status} />
          </div>
        </div>
      </div>
      <h2>
        Journal
        {d.at ? (
          <>
            {' '}as at <Time iso={d.at.asOf} />
          </>
        ) : null}
      </h2>
      <Table columns={JOURNAL_COLUMNS} rows={d.journal} caption={d.journal.length === 0 ? 'No postings.' : `Newest first, ${d.journal.length} line(s)${d.more ? ` (the latest ${JOURNAL_LIMIT}; the statement report has them all)` : ''}`} />
    </>
  );
}

function StatusActions({ session, a }: { session: Session; a: Account }) {
  const change = a.status === 'frozen' ? 'unfreeze' : a.status === 'open' ? 'freeze' : null;
  if (!change || !can(session.principal, 'POST', `/v1/accounts/{id}/${change}`, a.id)) return null;
  return (
    <form class="inline" method="post" action={`/console/accounts/${a.id}/${change}`}>
      <Csrf session={session} />
      <input type="hidden" name="idempotencyKey" value={crypto.randomUUID()} />
      <label>
        Reason
        <input name="reason" maxlength={200} />
      </label>
      <button type="submit" class={change === 'freeze' ? 'danger' : undefined}>
        {change === 'freeze' ? 'Freeze account' : 'Unfreeze account'}
      </button>
    </form>
  );
}

function TimeTravelForm({ id, travel }: { id: string; travel: TimeTravel | null }) {
  return (
    <form class="filters" method="get" action={`/console/accounts/${id}`} aria-label="Time travel">
      <label>
        As at instant (UTC)
        <input type="datetime-local" name="asOf" step={1} value={travel?.asOf.replace(/Z$/, '') ?? ''} />
      </label>
      <label>
        or at log position
        <input type="number" name="atPosition" min={0} value={travel?.atPosition ?? ''} />
      </label>
      <button type="submit">Travel</button>
      {travel ? (
        <a class="button secondary" href={`/console/accounts/${id}`}>
          Back to now
        </a>
      ) : null}
    </form>
  );
}

async function accountPage(c: ConsoleContext) {
  const id = c.req.param('id')!;
  const travel = timeTravel(c);
  const d = await accountData(c, id, travel);
  const ctx = pageContext(c);
  const a = d.account;
  const streams = can(ctx.session.principal, 'GET', '/v1/events/stream');
  const live = travel ? {} : streams ? { 'data-refresh-on': `/console/events/stream?accountId=${a.id}` } : { 'data-refresh-every': '5000' };
  return c.html(
    <Layout ctx={ctx} title={`Account ${a.id}`}>
      <p>
        {a.currency} account
        {a.ownerId ? (
          <>
            {' '}of owner <a href={can(ctx.session.principal, 'GET', '/v1/owners/{ownerId}') ? `/console/owners/${encodeURIComponent(a.ownerId)}` : `/console/accounts?ownerId=${encodeURIComponent(a.ownerId)}`}>{a.ownerId}</a>
          </>
        ) : null}
        , opened <Time iso={a.openedAt} />, partition {a.partition}.
      </p>
      {c.req.query('done') ? <Notice kind="ok">{c.req.query('done') === 'freeze' ? 'The account is frozen.' : 'The account is open again.'}</Notice> : null}
      <div class="actions">
        <TimeTravelForm id={a.id} travel={travel} />
        <StatusActions session={ctx.session} a={a} />
      </div>
      {travel ? <Notice kind="info">Time travel: the balance and the journal as they were {travel.atPosition ? `at log position ${travel.atPosition}` : `at ${travel.asOf}`}.</Notice> : null}
      <section data-live aria-label="Balance and journal">
        <p class="live-status" data-live-status aria-live="polite">
          {travel ? 'Not live while time travelling.' : streams ? 'Live: connecting…' : 'Refreshed every 5 seconds.'}
        </p>
        <div id="account-live" data-refresh-src={travel ? undefined : `/console/accounts/${a.id}/live`} {...live}>
          <AccountLive d={d} />
        </div>
      </section>
      <h2>{travel ? 'Holds now' : 'Holds'}</h2>
      {d.holds.length === 0 ? <p class="muted">No holds.</p> : <Table columns={HOLD_COLUMNS} rows={d.holds} />}
    </Layout>,
  );
}

const HOLD_COLUMNS: ReadonlyArray<Column<Hold>> = [
  { label: 'Hold', kind: 'mono', cell: (h) => h.id },
  { label: 'Status', cell: (h) => <Badge value={h.status} /> },
  { label: 'Amount', kind: 'num', cell: (h) => h.amount },
  { label: 'Remaining', kind: 'num', cell: (h) => h.remaining },
  { label: 'Placed', cell: (h) => <Time iso={h.placedAt} /> },
  { label: 'Expires', cell: (h) => <Time iso={h.expiresAt} /> },
  { label: 'Reference', cell: (h) => h.reference ?? '—' },
];

export function accountPages(app: ConsoleApp): void {
  app.get('/accounts', search);
  app.get('/accounts/:id', accountPage);
  app.get('/accounts/:id/live', async (c) => c.html(<AccountLive d={await accountData(c, c.req.param('id'), null)} />));
  for (const change of ['freeze', 'unfreeze'] as const) {
    app.post(`/accounts/:id/${change}`, async (c) => {
      const id = c.req.param('id');
      const form = await c.req.parseBody();
      const reason = field(form, 'reason');
      const key = field(form, 'idempotencyKey');
      const done = await c.get('api').call<{ position: number; partition: number }>('POST', `/v1/accounts/${encodeURIComponent(id)}/${change}`, reason ? { reason } : {}, key ? { 'idempotency-key': key } : {});
      return c.redirect(`/console/accounts/${id}?done=${change}&${written(done.body)}`, 303);
    });
  }
}
