import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogBackend, type TestLedger, created, logBackends, startTestLedger } from '../support/harness.ts';

const BACKENDS = await logBackends();

/** Signs in to the console in process; returns the session cookie. */
async function signIn(ledger: TestLedger, token: string): Promise<string> {
  const res = await ledger.system.app.request('/console/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apiKey: token }).toString() });
  expect(res.status).toBe(303);
  return /ledger_console=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
}

/** Reads an SSE body until `until` holds for the text so far. */
async function readUntil(res: Response, until: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!until(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  await reader.cancel();
  return text;
}

/** The console's live feed without a browser: every partition's events, as table rows, for the roles the API allows. */
describe.each(BACKENDS.map((b): [LogBackend, Record<string, string>] => [b, b === 'kafka' ? { KAFKA_PARTITIONS: '3' } : {}]))('console live events on %s', (backend, env) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger(backend, env);
  }, 120_000);
  afterAll(() => ledger?.close());

  it('merges the partitions into one feed of rows, filtered by account', async () => {
    const accounts = await Promise.all(Array.from({ length: 6 }, () => ledger.openAccount()));
    const partitions = new Set(await Promise.all(accounts.map(async (id) => (await ledger.as().get<{ partition: number }>(`/v1/accounts/${id}`)).body.partition)));
    if (backend === 'kafka') expect(partitions.size).toBeGreaterThan(1);
    const cookie = await signIn(ledger, (await ledger.key('auditor')).token);
    const all = await ledger.system.app.request('/console/events/stream', { headers: { cookie: `ledger_console=${cookie}`, accept: 'text/event-stream' } });
    expect(all.status).toBe(200);
    const only = await ledger.system.app.request(`/console/events/stream?accountId=${accounts[0]}`, { headers: { cookie: `ledger_console=${cookie}`, accept: 'text/event-stream' } });
    for (const [i, id] of accounts.entries()) created(await ledger.as().post(`/v1/accounts/${id}/deposits`, { amount: '1.00', reference: `ref-${i}` }));
    const text = await readUntil(all, (t) => accounts.every((_, i) => t.includes(`ref-${i}`)));
    expect(text).toMatch(/^event: row$/m);
    for (const i of accounts.keys()) expect(text).toContain(`ref-${i}`);
    const filtered = await readUntil(only, (t) => t.includes('ref-0'));
    expect(filtered).toContain('ref-0');
    expect(filtered).not.toContain('ref-1');
  });

  it('travels back past the newest page of the journal', async () => {
    const id = await ledger.openAccount();
    const first = created(await ledger.as().post(`/v1/accounts/${id}/deposits`, { amount: '1.00', reference: 'the-oldest-line' }));
    for (let i = 0; i < 240; i++) created(await ledger.as().post(`/v1/accounts/${id}/deposits`, { amount: '1.00' }));
    await ledger.catchUp();
    const cookie = await signIn(ledger, (await ledger.key('auditor')).token);
    const page = async (q: string) => (await ledger.system.app.request(`/console/accounts/${id}${q}`, { headers: { cookie: `ledger_console=${cookie}` } })).text();
    expect(await page('')).not.toContain('the-oldest-line');
    const then = await page(`?atPosition=${first.position as number}`);
    expect(then).toContain('the-oldest-line');
    expect(then).toContain('1.00 USD');
    expect(then).toContain('1 line(s)');
  }, 120_000);

  it('refuses the feed to a role that may not read the log, as the API does', async () => {
    const cookie = await signIn(ledger, (await ledger.key('teller')).token);
    const res = await ledger.system.app.request('/console/events/stream', { headers: { cookie: `ledger_console=${cookie}`, accept: 'text/event-stream' } });
    expect(res.status).toBe(403);
  });
});
