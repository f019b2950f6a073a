import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { FailedAuthThrottle } from '../auth/failed-auth-throttle.ts';
import { ApiFailure, ConsoleApi } from './api.ts';
import { ASSET_PATHS, SCRIPT, STYLES } from './assets.ts';
import type { ConsoleApp, ConsoleContext, ConsoleDeps, ConsoleEnv } from './context.ts';
import { field } from './context.ts';
import { Layout, Notice } from './layout.tsx';
import { accountPages } from './pages/accounts.tsx';
import { alertPages } from './pages/alerts.tsx';
import { auditorPages } from './pages/auditor.tsx';
import { eventPages } from './pages/events.tsx';
import { homePage, signInPage } from './pages/home.tsx';
import { operatorPages } from './pages/operator.tsx';
import { DEFAULT_SESSIONS, SessionStore, csrfMatches } from './session.ts';

const COOKIE = 'ledger_console';
const FORM_LIMIT_BYTES = 64 * 1024;

/**
 * The web console under /console: server-rendered pages, one small script for live updates.
 * Sign-in exchanges an API key for a server-side session; every page and action is then an API
 * call made with that key, so the console can do exactly what the key may do through the API.
 */
export function createConsole(deps: ConsoleDeps): ConsoleApp {
  const sessions = new SessionStore(deps.sessions ?? DEFAULT_SESSIONS);
  const app: ConsoleApp = new Hono();

  app.get(ASSET_PATHS.styles.slice('/console'.length), (c) => c.body(STYLES, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=31536000, immutable' }));
  app.get(ASSET_PATHS.script.slice('/console'.length), (c) => c.body(SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=31536000, immutable' }));

  // The console's forms are small: anything larger is refused before it is read.
  app.use('*', bodyLimit({ maxSize: FORM_LIMIT_BYTES, onError: (c) => c.html(<Layout ctx={{ session: null, path: c.req.path }} title="Too large"><Notice kind="error">The form is larger than {FORM_LIMIT_BYTES} bytes.</Notice></Layout>, 413, { Connection: 'close' }) }));

  // Every form posts to this origin only: a cross-site POST is refused before anything else.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameOrigin(c)) return forbidden(c, 'cross-site request refused');
    await next();
  });

  signIn(app, sessions, deps);
  app.use('*', requireSession(sessions, deps));

  app.post('/sign-out', (c) => {
    sessions.delete(c.get('session').id);
    deleteCookie(c, COOKIE, { path: '/console' });
    return c.redirect('/console', 303);
  });

  homePage(app);
  accountPages(app);
  eventPages(app, deps);
  alertPages(app);
  auditorPages(app);
  operatorPages(app, deps);

  app.notFound((c) => c.html(<Layout ctx={{ session: sessions.get(getCookie(c, COOKIE)), path: c.req.path }} title="Not found"><Notice kind="error">There is no console page at {c.req.path}.</Notice></Layout>, 404));
  app.onError((err, c) => apiFailurePage(err, c, sessions));
  return app;
}

/** The sign-in page, and the exchange of an API key for a session (failures throttled per address, as the API's). */
function signIn(app: ConsoleApp, sessions: SessionStore, deps: ConsoleDeps): void {
  const throttle = new FailedAuthThrottle(deps.failedAuth ?? {});
  app.get('/', (c) => {
    const session = sessions.get(getCookie(c, COOKIE));
    return session ? c.redirect('/console/home', 303) : c.html(signInPage({ session: null, path: c.req.path }, null), 200);
  });

  app.post('/sign-in', async (c) => {
    const address = remoteAddress(c);
    const waitMs = address ? throttle.retryAfterMs(address) : 0;
    if (waitMs > 0) return c.html(signInPage({ session: null, path: c.req.path }, 'Too many failed sign-ins from this address; try again later.'), 429, { 'Retry-After': String(Math.ceil(waitMs / 1000)) });
    const token = field(await c.req.parseBody(), 'apiKey');
    const principal = token && token.length <= 4096 ? await deps.authenticator.verify(token).catch(() => null) : null;
    if (!principal) {
      if (address) throttle.recordFailure(address);
      return c.html(signInPage({ session: null, path: c.req.path }, 'That API key is not valid.'), 401);
    }
    const previous = getCookie(c, COOKIE);
    if (previous) sessions.delete(previous);
    const session = sessions.create(token, principal);
    setCookie(c, COOKIE, session.id, { path: '/console', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
    return c.redirect('/console/home', 303);
  });
}

/** Everything but sign-in needs a session; a state change needs the session's CSRF token too. */
function requireSession(sessions: SessionStore, deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const session = sessions.get(getCookie(c, COOKIE));
    if (!session) {
      if (c.req.method === 'GET' && c.req.header('accept')?.includes('text/html')) return c.redirect('/console', 303);
      return c.html(signInPage({ session: null, path: c.req.path }, 'Your session has ended; sign in again.'), 401);
    }
    if (c.req.method === 'POST' && !csrfMatches(session, (await c.req.parseBody())['_csrf'])) return forbidden(c, 'the form is stale or was not sent by this console (CSRF token mismatch); reload the page');
    c.set('session', session);
    c.set('api', new ConsoleApi(deps.api, session, c.env, c.req.header('user-agent')));
    await next();
  };
}

/** A refused API call: 401 ends the session (the key was revoked or has expired); any other is shown with the API's status. */
function apiFailurePage(err: Error, c: ConsoleContext, sessions: SessionStore) {
  if (!(err instanceof ApiFailure)) throw err;
  if (err.problem.status === 401) {
    // The key was revoked or has expired: the session ends with it.
    const session = sessions.get(getCookie(c, COOKIE));
    if (session) sessions.delete(session.id);
    return c.redirect('/console', 303);
  }
  return errorPage(c, err);
}

function errorPage(c: ConsoleContext, err: ApiFailure) {
  const p = err.problem;
  const title = p.status === 403 ? 'Not allowed' : p.status === 404 ? 'Not found' : 'The request was refused';
  return c.html(
    <Layout ctx={{ session: c.get('session') ?? null, path: c.req.path }} title={title}>
      <Notice kind="error">
        <p>
          {p.detail} <span class="muted">({p.status} {p.code})</span>
        </p>
        {p.errors?.length ? (
          <ul>
            {p.errors.map((e) => (
              <li>
                <strong>{e.field}</strong>: {e.message}
              </li>
            ))}
          </ul>
        ) : null}
      </Notice>
      <p>
        <a href="/console/home">Back to the console</a>
      </p>
    </Layout>,
    p.status as 400,
  );
}

function forbidden(c: ConsoleContext, detail: string) {
  return c.html(<Layout ctx={{ session: null, path: c.req.path }} title="Not allowed"><Notice kind="error">{detail}</Notice></Layout>, 403);
}

/**
 * Fetch Metadata when the browser sends it (every current one does); else the Origin header. The
 * pages' Referrer-Policy (no-referrer) makes browsers send `Origin: null` on form posts, so that
 * value alone decides nothing: the SameSite=Strict cookie and the CSRF token still do.
 */
function sameOrigin(c: ConsoleContext): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin && origin !== 'null') return origin === new URL(c.req.url).origin;
  return true;
}

/** Behind a TLS-terminating proxy the request arrives as http: its X-Forwarded-Proto only ever adds Secure. */
function isHttps(c: ConsoleContext): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

function remoteAddress(c: ConsoleContext): string | null {
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress ?? null;
}
