import { can } from '../access.ts';
import { query } from '../api.ts';
import { afterWrite, written } from '../read-your-writes.ts';
import type { ConsoleApp, ConsoleContext } from '../context.ts';
import { field, pageContext } from '../context.ts';
import { Badge, Csrf, Layout, Notice, Time } from '../layout.tsx';
import type { Session } from '../session.ts';
import type { Account, Balance, Hold, JournalLine, Page } from '../types.ts';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const JOURNAL_LIMIT = 200;

function AccountRow({ a }: { a: Account }) {
  return (
    <tr>
      <td class="mono">
        <a href={`/console/accounts/${a.id}`}>{a.id}</a>
      </td>
      <td>{a.ownerId ? <a href={`/console/accounts?ownerId=${encodeURIComponent(a.ownerId)}`}>{a.ownerId}</a> : <span class="muted">—</span>}</td>
      <td>{a.currency}</td>
      <td>
        <Badge value={a.status} />
      </td>
      <td class="num">{a.balance}</td>
      <td class="num">{a.available}</td>
    </tr>
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
      <table>
        <caption class="muted">{page.items.length === 0 ? 'No account matches.' : `${page.items.length} account(s)${next ? ', more on the next page' : ''}`}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Owner</th>
            <th scope="col">Currency</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Balance</th>
            <th scope="col" class="num">Available</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((a) => (
            <AccountRow a={a} />
          ))}
        </tbody>
      </table>
      {next ? (
        <p class="pager">
          <a href={next}>Next page</a>
        </p>
      ) : null}
    </Layout>,
  );
}

interface TimeTravel {
  asOf: string;
  atPosition: string;
}

function timeTravel(c: ConsoleContext): TimeTravel | null {
  const asOf = (c.req.query('asOf') ?? '').trim();
  const atPosition = (c.req.query('atPosition') ?? '').trim();
  return asOf || atPosition ? { asOf: asOf && !/[zZ]|[+-]\d\d:\d\d$/.test(asOf) ? `${asOf.length === 16 ? `${asOf}:00` : asOf}Z` : asOf, atPosition } : null;
}

/** The journal as at the time-travel point: the lines at or before its position. */
function journalAt(lines: JournalLine[], at: Balance | null): JournalLine[] {
  if (!at) return lines;
  if (at.position === null) return [];
  return lines.filter((l) => l.position !== null && l.position <= at.position!);
}

async function accountData(c: ConsoleContext, id: string, travel: TimeTravel | null) {
  const api = c.get('api');
  const base = `/v1/accounts/${encodeURIComponent(id)}`;
  const account = await api.get<Account>(`${base}${query(afterWrite(c))}`);
  const [journal, holds, at] = await Promise.all([
    api.get<Page<JournalLine>>(`${base}/transactions?limit=${JOURNAL_LIMIT}`),
    api.get<Page<Hold>>(`${base}/holds?limit=50`),
    travel ? api.get<Balance>(`${base}/balance${query(travel.atPosition ? { atPosition: travel.atPosition } : { asOf: travel.asOf })}`) : Promise.resolve(null),
  ]);
  return { account, journal: journalAt(journal.items, at), more: journal.nextCursor !== null, holds: holds.items, at };
}

type AccountData = Awaited<ReturnType<typeof accountData>>;

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
      <table>
        <caption class="muted">{d.journal.length === 0 ? 'No postings.' : `Newest first, ${d.journal.length} line(s)${d.more ? ` (the latest ${JOURNAL_LIMIT})` : ''}`}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">Amount</th>
            <th scope="col" class="num">Running balance</th>
            <th scope="col">Counterparty</th>
            <th scope="col">Reference</th>
            <th scope="col" class="num">Position</th>
          </tr>
        </thead>
        <tbody>
          {d.journal.map((l) => (
            <tr>
              <td>
                <Time iso={l.occurredAt} />
              </td>
              <td>{l.kind.replace(/_/g, ' ')}</td>
              <td class="num">{l.amount}</td>
              <td class="num">{l.balanceAfter}</td>
              <td class="mono">{l.counterpartyAccountId ? <a href={`/console/accounts/${l.counterpartyAccountId}`}>{l.counterpartyAccountId}</a> : '—'}</td>
              <td>{l.reference ?? '—'}</td>
              <td class="num">{l.position ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
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
      <HoldTable holds={d.holds} />
    </Layout>,
  );
}

function HoldTable({ holds }: { holds: Hold[] }) {
  if (holds.length === 0) return <p class="muted">No holds.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Hold</th>
          <th scope="col">Status</th>
          <th scope="col" class="num">Amount</th>
          <th scope="col" class="num">Remaining</th>
          <th scope="col">Placed</th>
          <th scope="col">Expires</th>
          <th scope="col">Reference</th>
        </tr>
      </thead>
      <tbody>
        {holds.map((h) => (
          <tr>
            <td class="mono">{h.id}</td>
            <td>
              <Badge value={h.status} />
            </td>
            <td class="num">{h.amount}</td>
            <td class="num">{h.remaining}</td>
            <td>
              <Time iso={h.placedAt} />
            </td>
            <td>
              <Time iso={h.expiresAt} />
            </td>
            <td>{h.reference ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

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
