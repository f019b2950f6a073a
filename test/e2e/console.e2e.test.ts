import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/roles.ts';
import { startHttpServer } from '../../src/http/server.ts';
import { chromiumPath, launchChromium, screenshot, seriousViolations, watchCsp } from '../support/browser.ts';
import { type Client, type TestLedger, created, startTestLedger } from '../support/harness.ts';

const CHROMIUM = chromiumPath();
if (!CHROMIUM) console.warn('console e2e tests skipped: no Chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');

const DAY = 24 * 60 * 60 * 1000;
/** Waits for a page to show something (a busy machine renders slowly; the 1 s promise of the live table is checked on its own). */
const poll = <T,>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 5000 });
const HOUR = DAY / 24;

describe.skipIf(!CHROMIUM)('the web console in Chromium', () => {
  let ledger: TestLedger;
  let server: Server;
  let browser: Browser;
  let base: string;
  let admin: Client;
  const keys = new Map<Role, string>();
  const contexts: BrowserContext[] = [];
  const cspRefusals: string[] = [];
  // The engine's clock: 20 days ago for the history, then real time.
  const t0 = Date.now() - 20 * DAY;
  let simulated: number | null = t0;
  const clock = () => new Date(simulated ?? Date.now());
  let a: string, b: string, c: string;
  let betweenDeposits: string;

  beforeAll(async () => {
    ledger = await startTestLedger('pglite', {}, { clock });
    admin = ledger.as();
    a = await ledger.openAccount({ ownerId: 'owner-a' });
    b = await ledger.openAccount({ ownerId: 'owner-b' });
    c = await ledger.openAccount({ ownerId: 'owner-a', currency: 'EUR' });
    simulated = t0 + 1 * DAY;
    created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '500.00', reference: 'first deposit' }));
    betweenDeposits = new Date(t0 + 1 * DAY + HOUR).toISOString();
    simulated = t0 + 2 * DAY;
    created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '300.00', reference: 'second deposit' }));
    // Structuring (three cash deposits just under 10,000 within a day), then a large transfer A → B.
    for (const h of [240, 245, 250]) {
      simulated = t0 + h * HOUR;
      created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '9500.00', channel: 'cash' }));
    }
    simulated = t0 + 300 * HOUR;
    created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '12000.00', reference: 'invoice 77' }));
    // Velocity: twelve payments out of A within an hour, to five counterparties.
    const payees = await Promise.all(Array.from({ length: 5 }, () => ledger.openAccount()));
    for (let i = 0; i < 12; i++) {
      simulated = t0 + 320 * HOUR + i * 60_000;
      created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: payees[i % payees.length], amount: '100.00', reference: `payment ${i + 1}` }));
    }
    simulated = null;
    await ledger.catchUp();
    for (const role of ['teller', 'auditor', 'analyst', 'admin'] as const) keys.set(role, (await ledger.key(role)).token);
    server = await startHttpServer(ledger.system.app, { port: 0, hostname: '127.0.0.1', requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await launchChromium(CHROMIUM!);
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections?.();
    await ledger?.close();
  });

  async function signedIn(role: Role | { token: string }): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    cspRefusals.push(...watchCsp(ctx));
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${base}/console`);
    await page.getByLabel('API key').fill(typeof role === 'string' ? keys.get(role)! : role.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/console/home`);
    return page;
  }

  /** Screenshot for the README, then axe: no serious or critical violation. */
  async function look(page: Page, name: string): Promise<void> {
    await screenshot(page, name);
    expect(await seriousViolations(page), name).toEqual([]);
  }

  const navLinks = async (page: Page) => page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents();

  it('signs in per role, shows what the role may use, and refuses a wrong key', async () => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${base}/console`);
    await look(page, 'sign-in');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    // Keyboard only: the key field has the focus; Enter submits; Tab reaches the skip link first.
    await page.goto(`${base}/console`);
    const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('name'));
    await poll(focused).toBe('apiKey');
    await page.keyboard.type(keys.get('teller')!);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/console/home`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Skip to content');

    const expected: Record<Role, string[]> = {
      teller: ['Accounts', 'System'],
      auditor: ['Accounts', 'Live events', 'Reports', 'Audit log', 'System'],
      analyst: ['Accounts', 'Alerts', 'System'],
      admin: ['Accounts', 'Live events', 'Alerts', 'Reports', 'Audit log', 'System', 'API keys'],
    };
    for (const role of ['teller', 'auditor', 'analyst', 'admin'] as const) {
      const p = await signedIn(role);
      expect(await navLinks(p), role).toEqual(expected[role]);
      await poll(() => p.locator('header').textContent()).toContain(role);
      if (role === 'analyst') await look(p, 'home');
    }
    // The session cookie: HttpOnly, SameSite=Strict, scoped to /console.
    const cookies = await contexts[contexts.length - 1]!.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'ledger_console', httpOnly: true, sameSite: 'Strict', path: '/console' })]);
  });

  it('signs out: the session is gone on the server', async () => {
    const page = await signedIn('teller');
    const cookie = (await page.context().cookies())[0]!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/console`);
    const replay = await fetch(`${base}/console/accounts`, { headers: { cookie: `${cookie.name}=${cookie.value}`, accept: 'text/html' }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/console');
  });

  it('searches accounts by owner (as a link), status and id', async () => {
    const page = await signedIn('auditor');
    await page.goto(`${base}/console/accounts?ownerId=owner-a`);
    const rows = page.locator('tbody tr');
    await poll(() => rows.count()).toBe(2);
    expect(await page.locator('tbody').textContent()).toContain(a);
    expect(await page.locator('tbody').textContent()).not.toContain(b);
    await look(page, 'accounts');
    await page.getByLabel('Currency').fill('EUR');
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(c);
    await page.getByLabel('Account id').fill(b);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${base}/console/accounts/${b}`);
  });

  it('travels in time: balance and journal at an instant and at a log position', async () => {
    const page = await signedIn('auditor');
    await page.goto(`${base}/console/accounts/${a}`);
    await poll(() => page.getByTestId('balance').textContent()).toContain('16100.00 USD');
    await poll(() => page.locator('[data-live-status]').textContent()).toBe('Live: connected');
    await look(page, 'account');
    await page.getByLabel('As at instant (UTC)').fill(betweenDeposits.slice(0, 19));
    await page.getByRole('button', { name: 'Travel' }).click();
    await poll(() => page.getByTestId('balance').textContent()).toContain('500.00 USD');
    const journal = page.locator('section[aria-label="Balance and journal"] tbody tr');
    expect(await journal.count()).toBe(1);
    expect(await journal.first().textContent()).toContain('first deposit');
    await look(page, 'account-time-travel');
    // The same point as a log position: the position of that first deposit.
    const position = (await journal.first().locator('td').last().textContent())!.trim();
    await page.goto(`${base}/console/accounts/${a}?atPosition=${position}`);
    await poll(() => page.getByTestId('balance').textContent()).toContain('500.00 USD');
    expect(await journal.count()).toBe(1);
  });

  it('updates an account page live when money moves', async () => {
    const page = await signedIn('auditor');
    await page.goto(`${base}/console/accounts/${b}`);
    await poll(() => page.locator('[data-live-status]').textContent()).toBe('Live: connected');
    // The refresh asks for the position of the event it follows, so the read model has it (read your writes).
    const refreshed = page.waitForRequest(new RegExp(`/console/accounts/${b}/live\\?partition=\\d+&minPosition=\\d+$`));
    created(await admin.post(`/v1/accounts/${b}/deposits`, { amount: '1.00', reference: 'live deposit' }));
    await refreshed;
    await poll(() => page.getByTestId('balance').textContent()).toContain('12001.00 USD');
    expect(await page.locator('section[aria-label="Balance and journal"]').textContent()).toContain('live deposit');
  });

  it('shows a transfer made through the API on /console/events within 1 s', async () => {
    const page = await signedIn('auditor');
    await page.goto(`${base}/console/events`);
    await poll(() => page.locator('[data-live-status]').textContent()).toBe('Live: connected');
    const reference = `live-${Date.now()}`;
    created(await admin.post('/v1/transfers', { fromAccountId: b, toAccountId: a, amount: '2.00', reference }));
    await page.locator('#events tr', { hasText: reference }).first().waitFor({ timeout: 1000 });
    // The filter: only the account's events.
    await page.goto(`${base}/console/events?accountId=${c}`);
    await poll(() => page.locator('[data-live-status]').textContent()).toBe('Live: connected');
    created(await admin.post(`/v1/accounts/${c}/deposits`, { amount: '3.00', reference: 'eur deposit' }));
    created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '4.00', reference: 'not this account' }));
    await page.locator('#events tr', { hasText: 'eur deposit' }).first().waitFor({ timeout: 5000 });
    await page.goto(`${base}/console/events`);
    await poll(() => page.locator('[data-live-status]').textContent()).toBe('Live: connected');
    await look(page, 'events');
    expect(await page.locator('#events').textContent()).toContain('not this account');
  });

  it('takes an alert through its lifecycle, with the evidence drawn as a graph', async () => {
    const page = await signedIn('analyst');
    await page.goto(`${base}/console/alerts`);
    const rows = page.locator('tbody tr');
    await poll(() => rows.count()).toBe(3);
    // Sorted by score, highest first.
    const scores = (await page.locator('tbody tr td:first-child').allTextContents()).map(Number);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    await look(page, 'alerts');
    await page.getByLabel('Rule').selectOption('velocity');
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(() => rows.count()).toBe(1);
    await rows.first().getByRole('link').click();
    await page.waitForURL(/\/console\/alerts\/velocity-/);
    // The paying account and its five payees.
    expect(await page.locator('svg.graph circle').count()).toBe(6);
    await look(page, 'alert');
    await page.getByLabel('New status').selectOption('investigating');
    await page.getByLabel('Note').fill('calling the customer');
    await page.getByRole('button', { name: 'Record' }).click();
    await poll(() => page.getByRole('status').first().textContent()).toContain('investigating');
    expect(await page.locator('ol').textContent()).toContain('calling the customer');
    await page.getByLabel('New status').selectOption('escalated');
    await page.getByLabel('Note').fill('filed');
    await page.getByRole('button', { name: 'Record' }).click();
    await poll(() => page.locator('main').textContent()).toContain('final');
    expect(await page.getByRole('button', { name: 'Record' }).count()).toBe(0);
    // The owner view, linked from the alert.
    await page.getByRole('link', { name: /^owner-/ }).first().click();
    await page.waitForURL(/\/console\/owners\//);
    await look(page, 'owner');
  });

  it('downloads a report and its manifest, shows the chain status and the audit log', async () => {
    const page = await signedIn('auditor');
    await page.goto(`${base}/console/reports`);
    await look(page, 'reports');
    await page.locator('select[name=report]').selectOption('account-statement');
    await page.locator('select[name=format]').selectOption('csv');
    await page.locator('input[name=accountId]').fill(a);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^account-statement-at-\d+\.csv$/);
    const csvPath = await csv.path();
    expect(await readFile(csvPath, 'utf8')).toContain('first deposit');
    await page.locator('select[name=format]').selectOption('manifest');
    const [manifest] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    const body = JSON.parse(await readFile(await manifest.path(), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain(a);
    await page.goto(`${base}/console/audit`);
    await poll(() => page.getByRole('status').first().textContent()).toContain('Hash chain intact');
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(3);
    await look(page, 'audit');
  });

  it('hides a button from a role that may not use it, and refuses the forged request with 403', async () => {
    const auditor = await signedIn('auditor');
    await auditor.goto(`${base}/console/accounts/${a}`);
    expect(await auditor.getByRole('button', { name: /freeze/i }).count()).toBe(0);
    // Forge it: a same-origin POST with the auditor's own valid CSRF token.
    const csrf = await auditor.locator('input[name="_csrf"]').first().inputValue();
    const forged = await auditor.request.post(`${base}/console/accounts/${a}/freeze`, { form: { _csrf: csrf, reason: 'forged' }, headers: { origin: base } });
    expect(forged.status()).toBe(403);
    // Without the CSRF token, or from another origin: 403 as well, even for a teller.
    const teller = await signedIn('teller');
    await teller.goto(`${base}/console/accounts/${a}`);
    expect((await teller.request.post(`${base}/console/accounts/${a}/freeze`, { form: { reason: 'no token' }, headers: { origin: base } })).status()).toBe(403);
    const tellerCsrf = await teller.locator('input[name="_csrf"]').first().inputValue();
    expect((await teller.request.post(`${base}/console/accounts/${a}/freeze`, { form: { _csrf: tellerCsrf }, headers: { origin: 'https://evil.example' } })).status()).toBe(403);
    // The teller sees the button and it works; the account is still open after all the refusals.
    await teller.getByLabel('Reason').fill('card reported stolen');
    await teller.getByRole('button', { name: 'Freeze account' }).click();
    await poll(() => teller.getByRole('status').first().textContent()).toContain('frozen');
    await teller.getByRole('button', { name: 'Unfreeze account' }).click();
    await poll(() => teller.getByRole('status').first().textContent()).toContain('open again');
    // An analyst forging an alert change and a teller forging a key: 403 from the API's own check.
    const tellerKeys = await teller.request.post(`${base}/console/keys`, { form: { _csrf: tellerCsrf, name: 'x', role: 'admin' }, headers: { origin: base } });
    expect(tellerKeys.status()).toBe(403);
  });

  it('lets a key restricted to one account reach that account and no other', async () => {
    const page = await signedIn({ token: (await ledger.key('teller', [b])).token });
    expect(await navLinks(page)).toEqual(['System']);
    await page.getByRole('link', { name: b }).click();
    await page.waitForURL(`${base}/console/accounts/${b}`);
    expect(await page.getByRole('button', { name: 'Freeze account' }).count()).toBe(1);
    const other = await page.goto(`${base}/console/accounts/${a}`);
    expect(other?.status()).toBe(403);
    expect((await page.goto(`${base}/console/accounts`))?.status()).toBe(403);
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
  });

  it('shows health, log position and projector lag; an admin manages keys', async () => {
    const page = await signedIn('admin');
    await page.goto(`${base}/console/system`);
    await poll(() => page.locator('main').textContent()).toContain('ready');
    expect(await page.locator('main').textContent()).toContain('Events behind');
    await look(page, 'system');
    await page.goto(`${base}/console/keys`);
    await page.getByLabel('Name').fill('branch 12 teller terminal');
    await page.getByLabel('Role').selectOption('teller');
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.getByTestId('new-token').textContent())!.trim();
    expect(token.length).toBeGreaterThan(20);
    await look(page, 'keys');
    await page.getByRole('button', { name: 'Revoke key branch 12 teller terminal' }).click();
    await poll(() => page.getByRole('status').first().textContent()).toContain('revoked');
    expect((await fetch(`${base}/v1/accounts`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('ran every page under the strict CSP without a refusal', () => {
    expect(cspRefusals).toEqual([]);
  });
});
