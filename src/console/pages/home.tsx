import { can } from '../access.ts';
import type { ConsoleApp } from '../context.ts';
import { pageContext } from '../context.ts';
import { Layout, NAV, Notice, type PageContext } from '../layout.tsx';

const ABOUT: Record<string, string> = {
  '/console/accounts': 'Find accounts by owner, status, currency or id; balances, holds, the journal, time travel.',
  '/console/events': 'The event log as it is written, live.',
  '/console/alerts': 'The fraud alerts queue, evidence and counterparties; move alerts through their lifecycle.',
  '/console/reports': 'Statements, audit trail, trial balance and more as PDF, CSV or manifest.',
  '/console/audit': 'Hash-chain verification and the audit log: who did what, from where.',
  '/console/system': 'Health, log positions and projector lag.',
  '/console/keys': 'Create and revoke API keys.',
};

export function signInPage(ctx: PageContext, error: string | null) {
  return (
    <Layout ctx={ctx} title="Sign in">
      <div class="signin">
        {error ? <Notice kind="error">{error}</Notice> : null}
        <p>The console for tellers, auditors, fraud analysts and operators of this ledger. Sign in with your API key; what you see and may do follows its role.</p>
        <form method="post" action="/console/sign-in">
          <label>
            API key
            <input type="password" name="apiKey" autocomplete="off" required autofocus />
          </label>
          <p class="muted">Your key stays on the server; this browser gets a session cookie that ends when you sign out, after 30 minutes idle or after 8 hours.</p>
          <button type="submit">Sign in</button>
        </form>
      </div>
    </Layout>
  );
}

export function homePage(app: ConsoleApp): void {
  app.get('/home', (c) => {
    const ctx = pageContext(c);
    const { principal } = ctx.session;
    const items = NAV.filter((i) => i.needs === null || can(principal, i.needs[0], i.needs[1]));
    return c.html(
      <Layout ctx={ctx} title="Welcome">
        <p>
          Signed in as <strong>{principal.actor}</strong> with the role <strong>{principal.role}</strong>
          {principal.accounts ? ` (restricted to ${principal.accounts.size} account(s))` : ''}. What this role may use:
        </p>
        <ul>
          {items.map((i) => (
            <li>
              <a href={i.href}>{i.label}</a> — {ABOUT[i.href] ?? ''}
            </li>
          ))}
        </ul>
        {principal.accounts ? (
          <>
            <h2>Your accounts</h2>
            <ul>
              {[...principal.accounts].slice(0, 100).map((id) => (
                <li>
                  <a class="mono" href={`/console/accounts/${id}`}>
                    {id}
                  </a>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </Layout>,
    );
  });
}
