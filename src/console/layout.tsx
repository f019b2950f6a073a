import type { Child } from 'hono/jsx';
import { ASSET_PATHS } from './assets.ts';
import { can } from './access.ts';
import type { Session } from './session.ts';

/** What every page knows: who is signed in (null on the sign-in page) and where they are. */
export interface PageContext {
  session: Session | null;
  path: string;
}

interface NavItem {
  href: string;
  label: string;
  /** The API call the page is made of: the link shows only when the role may make it. */
  needs: [method: 'GET', path: string] | null;
}

export const NAV: readonly NavItem[] = [
  { href: '/console/accounts', label: 'Accounts', needs: ['GET', '/v1/accounts'] },
  { href: '/console/events', label: 'Live events', needs: ['GET', '/v1/events/stream'] },
  { href: '/console/alerts', label: 'Alerts', needs: ['GET', '/v1/fraud/alerts'] },
  { href: '/console/reports', label: 'Reports', needs: ['GET', '/v1/reports/account-statement'] },
  { href: '/console/audit', label: 'Audit log', needs: ['GET', '/v1/audit'] },
  { href: '/console/system', label: 'System', needs: null },
  { href: '/console/keys', label: 'API keys', needs: ['GET', '/v1/keys'] },
];

/** The form field that carries the session's CSRF token; every state-changing form has it. */
export function Csrf({ session }: { session: Session }) {
  return <input type="hidden" name="_csrf" value={session.csrf} />;
}

function Nav({ ctx }: { ctx: PageContext & { session: Session } }) {
  const items = NAV.filter((i) => i.needs === null || can(ctx.session.principal, i.needs[0], i.needs[1]));
  return (
    <nav aria-label="Console">
      <ul>
        {items.map((i) => (
          <li>
            <a href={i.href} aria-current={ctx.path === i.href || ctx.path.startsWith(`${i.href}/`) ? 'page' : undefined}>
              {i.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children?: Child }) {
  const session = ctx.session;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ledger console`}</title>
        <link rel="stylesheet" href={ASSET_PATHS.styles} />
        <script src={ASSET_PATHS.script} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/console">
            ledger console
          </a>
          {session ? <Nav ctx={{ ...ctx, session }} /> : null}
          {session ? (
            <div class="who">
              <span>
                {session.principal.actor} · <strong>{session.principal.role}</strong>
              </span>
              <form method="post" action="/console/sign-out">
                <Csrf session={session} />
                <button type="submit">Sign out</button>
              </form>
            </div>
          ) : null}
        </header>
        <main id="main">
          <h1>{title}</h1>
          {children}
        </main>
      </body>
    </html>
  );
}

export function Badge({ value }: { value: string }) {
  return <span class={`badge ${value}`}>{value}</span>;
}

export function Notice({ kind, children }: { kind: 'ok' | 'error' | 'info'; children?: Child }) {
  return (
    <div class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** A short, readable instant: "2026-11-28 05:21:51Z" with the full ISO value on hover. */
export function Time({ iso }: { iso: string | null }) {
  if (!iso) return <span class="muted">—</span>;
  return <time datetime={iso}>{iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>;
}

/** A column of a Table: its header, how a row fills its cell, and whether it holds a number or an id. */
export interface Column<T> {
  label: string;
  cell: (row: T) => Child;
  kind?: 'num' | 'mono';
}

/** A data table with column headers; `caption` says what it shows (or that it is empty). */
export function Table<T>({ columns, rows, caption, bodyAttrs }: { columns: ReadonlyArray<Column<T>>; rows: readonly T[]; caption?: Child; bodyAttrs?: Record<string, string> }) {
  return (
    <table>
      {caption === undefined ? null : <caption class="muted">{caption}</caption>}
      <thead>
        <tr>
          {columns.map((col) => (
            <th scope="col" class={col.kind === 'num' ? 'num' : undefined}>
              {col.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody {...(bodyAttrs ?? {})}>
        {rows.map((row) => (
          <tr>
            {columns.map((col) => (
              <td class={col.kind}>{col.cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A link to an account page showing its id (or a dash). */
export function AccountLink({ id }: { id: string | null }) {
  return id ? <a href={`/console/accounts/${id}`}>{id}</a> : <span class="muted">—</span>;
}

/** The link to the next page of a list, when there is one. */
export function Pager({ next }: { next: string | null }) {
  return next ? (
    <p class="pager">
      <a href={next}>Next page</a>
    </p>
  ) : null;
}
