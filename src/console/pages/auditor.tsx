import { ApiFailure, query } from '../api.ts';
import type { ConsoleApp, ConsoleContext } from '../context.ts';
import { pageContext } from '../context.ts';
import { type Column, Layout, Notice, Pager, Table, Time } from '../layout.tsx';
import type { AuditEntry, ChainVerification } from '../types.ts';

/** Each report and the parameters it takes besides format and position. */
export const REPORTS: ReadonlyArray<{ name: string; label: string; params: readonly string[] }> = [
  { name: 'account-statement', label: 'Account statement', params: ['accountId', 'from', 'to'] },
  { name: 'owner-activity', label: 'Owner activity', params: ['ownerId', 'from', 'to'] },
  { name: 'audit-trail', label: 'Audit trail', params: ['from', 'to', 'accountId'] },
  { name: 'large-transactions', label: 'Large transactions', params: ['from', 'to', 'threshold'] },
  { name: 'suspicious-activity', label: 'Suspicious activity', params: ['from', 'to'] },
  { name: 'trial-balance', label: 'Trial balance', params: ['asAt'] },
  { name: 'general-ledger-detail', label: 'General-ledger detail', params: ['glAccount', 'from', 'to'] },
];

const FIELDS: ReadonlyArray<{ name: string; label: string; type: string; hint: string }> = [
  { name: 'from', label: 'From', type: 'date', hint: 'first day, inclusive' },
  { name: 'to', label: 'To', type: 'date', hint: 'last day, inclusive' },
  { name: 'asAt', label: 'As at', type: 'date', hint: 'trial balance: end of this day' },
  { name: 'accountId', label: 'Account id', type: 'text', hint: 'statement; optional for the audit trail' },
  { name: 'ownerId', label: 'Owner id', type: 'text', hint: 'owner activity' },
  { name: 'glAccount', label: 'GL account', type: 'text', hint: 'e.g. settlement:wire:USD' },
  { name: 'threshold', label: 'Threshold', type: 'text', hint: 'e.g. 10000.00,JPY:1500000' },
];

function reportsPage(c: ConsoleContext) {
  return c.html(
    <Layout ctx={pageContext(c)} title="Reports">
      <p>
        Each report reflects one log position (named in the file and its manifest); give a past position to reproduce an earlier report exactly. Fields a report does not take are ignored.
      </p>
      <form method="get" action="/console/reports/download">
        <fieldset>
          <legend>Report</legend>
          <label>
            Report
            <select name="report" required>
              {REPORTS.map((r) => (
                <option value={r.name}>
                  {r.label} ({r.params.join(', ')})
                </option>
              ))}
            </select>
          </label>
          <label>
            Format
            <select name="format">
              <option value="pdf">PDF</option>
              <option value="csv">CSV</option>
              <option value="manifest">Manifest (JSON)</option>
            </select>
          </label>
          <label>
            Log position <span class="muted">(blank: now)</span>
            <input type="number" name="position" min={-1} />
          </label>
        </fieldset>
        <fieldset>
          <legend>Period and subject</legend>
          {FIELDS.map((f) => (
            <label>
              {f.label} <span class="muted">({f.hint})</span>
              <input type={f.type} name={f.name} maxlength={200} />
            </label>
          ))}
        </fieldset>
        <button type="submit">Download</button>
      </form>
    </Layout>,
  );
}

const EXT: Record<string, string> = { pdf: 'pdf', csv: 'csv', manifest: 'manifest.json' };

/** The API's report, streamed through as a download named after the report and its position. */
async function download(c: ConsoleContext) {
  const report = REPORTS.find((r) => r.name === c.req.query('report'));
  if (!report) throw new ApiFailure({ status: 400, code: 'validation_failed', detail: 'choose a report', errors: [{ field: 'report', message: 'unknown report' }] });
  const format = c.req.query('format') ?? 'pdf';
  const params: Record<string, string | undefined> = { format, position: c.req.query('position') };
  for (const p of report.params) params[p] = c.req.query(p)?.trim();
  const res = await c.get('api').request('GET', `/v1/reports/${report.name}${query(params)}`);
  if (!res.ok) {
    const p = (await res.json().catch(() => ({}))) as { code?: string; detail?: string; errors?: Array<{ field: string; message: string }> };
    throw new ApiFailure({ status: res.status, code: p.code ?? 'error', detail: p.detail ?? 'the report was refused', ...(p.errors ? { errors: p.errors } : {}) });
  }
  const position = res.headers.get('ledger-report-position') ?? 'now';
  const headers: Record<string, string> = {
    'Content-Type': res.headers.get('content-type') ?? 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${report.name}-at-${position.replace(/[^0-9-]/g, '')}.${EXT[format] ?? 'bin'}"`,
  };
  const forwarded = res.headers.get('ledger-report-position');
  if (forwarded) headers['Ledger-Report-Position'] = forwarded;
  return new Response(res.body, { status: 200, headers });
}


function ChainStatus({ v }: { v: ChainVerification }) {
  return (
    <Notice kind={v.ok ? 'ok' : 'error'}>
      <strong>{v.ok ? 'Hash chain intact.' : 'Hash chain BROKEN.'}</strong> {v.events} event(s) verified ({v.mode}, {v.newEvents} new) at <Time iso={v.verifiedAt} />.
      {v.firstBreak ? ` First break: partition ${v.firstBreak.partition}, position ${v.firstBreak.position}: ${v.firstBreak.reason} — ${v.firstBreak.detail}` : ''}
    </Notice>
  );
}

const AUDIT_COLUMNS: ReadonlyArray<Column<AuditEntry>> = [
  { label: 'Position', kind: 'num', cell: (e) => `${e.partition}:${e.position}` },
  { label: 'When', cell: (e) => <Time iso={e.occurredAt} /> },
  { label: 'Type', cell: (e) => e.type },
  { label: 'Account or alert', kind: 'mono', cell: (e) => <a href={e.type.startsWith('Alert') ? `/console/alerts/${e.accountId}` : `/console/accounts/${e.accountId}`}>{e.accountId}</a> },
  { label: 'Amount', kind: 'num', cell: (e) => (e.amount ? `${e.amount} ${e.currency ?? ''}` : '—') },
  { label: 'Actor', kind: 'mono', cell: (e) => e.actor },
  { label: 'Origin', cell: (e) => e.origin.ip ?? '—' },
  { label: 'Hash', kind: 'mono', cell: (e) => <abbr title={e.hash}>{e.hash.slice(0, 10)}</abbr> },
];

type AuditFilter = Record<'from' | 'to' | 'accountId' | 'actor' | 'type' | 'cursor', string>;

function AuditFilters({ f }: { f: AuditFilter }) {
  return (
    <form class="filters" method="get" action="/console/audit" aria-label="Filter the audit log">
      <label>
        From
        <input type="date" name="from" value={f.from} />
      </label>
      <label>
        To
        <input type="date" name="to" value={f.to} />
      </label>
      <label>
        Account id
        <input name="accountId" value={f.accountId} />
      </label>
      <label>
        Actor
        <input name="actor" value={f.actor} placeholder="e.g. key:3f9a…" />
      </label>
      <label>
        Event type
        <input name="type" value={f.type} placeholder="e.g. FundsDeposited" />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

async function auditPage(c: ConsoleContext) {
  const f: AuditFilter = { from: c.req.query('from') ?? '', to: c.req.query('to') ?? '', accountId: (c.req.query('accountId') ?? '').trim(), actor: (c.req.query('actor') ?? '').trim(), type: c.req.query('type') ?? '', cursor: c.req.query('cursor') ?? '' };
  const api = c.get('api');
  const [verification, page] = await Promise.all([
    api.get<ChainVerification>(`/v1/audit/verify${c.req.query('full') === 'true' ? '?full=true' : ''}`),
    api.get<{ items: AuditEntry[]; nextCursor: string | null; position: number }>(`/v1/audit${query({ ...f, limit: 100 })}`),
  ]);
  const next = page.nextCursor ? `/console/audit${query({ ...f, cursor: page.nextCursor })}` : null;
  return c.html(
    <Layout ctx={pageContext(c)} title="Audit log">
      <h2>Chain verification</h2>
      <ChainStatus v={verification} />
      <form method="get" action="/console/audit">
        <input type="hidden" name="full" value="true" />
        <button type="submit" class="secondary">
          Verify the whole chain from genesis
        </button>
      </form>
      <h2>Entries</h2>
      <AuditFilters f={f} />
      <Table columns={AUDIT_COLUMNS} rows={page.items} caption={`Oldest first; the audit log reflects position ${page.position}.`} />
      <Pager next={next} />
    </Layout>,
  );
}

export function auditorPages(app: ConsoleApp): void {
  app.get('/reports', reportsPage);
  app.get('/reports/download', download);
  app.get('/audit', auditPage);
}
