import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

/** Reads a stream until `until` holds for the text so far, or the stream ends. */
async function readUntil(res: Response, until: (text: string) => boolean): Promise<{ text: string; ended: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return { text, ended: true };
    text += decoder.decode(chunk.value);
    if (until(text)) {
      await reader.cancel();
      return { text, ended: false };
    }
  }
}

const SECRET = 'a-shared-secret-of-at-least-32-characters!';

const idsIn = (text: string): number[] => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

describe('SSE: one shared tail, limits, revocation', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite', { LEDGER_SSE_MAX_PER_KEY: '120', LEDGER_SSE_MAX_TOTAL: '150', LEDGER_SSE_RECHECK_MS: '50', LEDGER_SSE_BUFFER_EVENTS: '20', LEDGER_JWT_SECRET: SECRET, LEDGER_JWT_ISSUER: 'https://idp.example', LEDGER_JWT_AUDIENCE: 'ledger' });
  });
  afterAll(() => ledger.close());

  it('refuses streams past the limit per key with 429 and Retry-After, and frees the slot when a stream closes', async () => {
    const key = await ledger.key('auditor');
    const auditor = ledger.as({ token: key.token });
    const open: Response[] = [];
    for (let i = 0; i < 120; i++) {
      const res = await auditor.fetch('/v1/events/stream');
      expect(res.status).toBe(200);
      open.push(res);
    }
    const refused = await auditor.get('/v1/events/stream');
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another caller still has room below the total...
    const other = await ledger.as().fetch('/v1/events/stream');
    expect(other.status).toBe(200);
    // ...until the total is reached.
    const more = await Promise.all(Array.from({ length: 29 }, () => ledger.as().fetch('/v1/events/stream')));
    expect(more.every((r) => r.status === 200)).toBe(true);
    expectProblem(await ledger.as().get('/v1/events/stream'), 429, 'rate_limited');

    await Promise.all([...open, other, ...more].map((r) => r.body!.cancel()));
    await vi.waitFor(async () => expect((await auditor.fetch('/v1/events/stream')).status).toBe(200));
  });

  it('costs one read of the log per append however many streams are open, and every stream gets every event', async () => {
    const a = await ledger.openAccount({ deposit: '1000.00' });
    const key = await ledger.key('auditor');
    const auditor = ledger.as({ token: key.token });
    const streams = await Promise.all(Array.from({ length: 100 }, () => auditor.fetch('/v1/events/stream')));
    expect(streams.every((s) => s.status === 200)).toBe(true);

    const read = vi.spyOn(ledger.system.log, 'read');
    const positions: number[] = [];
    for (let i = 0; i < 10; i++) {
      const dep = created(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' }));
      positions.push(dep.position as number);
    }
    const last = positions[positions.length - 1]!;
    // The first and the last stream both see all ten deposits.
    for (const s of [streams[0]!, streams[99]!]) {
      const { text } = await readUntil(s, (t) => idsIn(t).includes(last));
      expect(idsIn(text)).toEqual(expect.arrayContaining(positions));
    }
    // Before: every stream re-read the log on every append (100 × 10 reads). Now: the shared tail reads once per wake-up.
    const reads = read.mock.calls.length;
    read.mockRestore();
    expect(reads).toBeLessThanOrEqual(10 * 2 + 5);
    await Promise.all(streams.map((s) => s.body?.cancel().catch(() => {})));
  });

  it('ends an open stream when its key is revoked', async () => {
    const a = await ledger.openAccount();
    const key = await ledger.key('auditor');
    const res = await ledger.as({ token: key.token }).fetch('/v1/events/stream');
    expect(res.status).toBe(200);
    created(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' }));
    expect((await ledger.as().delete(`/v1/keys/${key.id}`)).status).toBe(200);
    const { text, ended } = await readUntil(res, () => false);
    expect(ended).toBe(true);
    expect(text).toContain('event: end');
    expect(text).toContain('"reason":"unauthorized"');
  });

  it('ends an open stream when its JWT expires', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await new SignJWT({ role: 'auditor' }).setProtectedHeader({ alg: 'HS256' }).setSubject('carol').setIssuer('https://idp.example').setAudience('ledger').setIssuedAt().setExpirationTime(exp).sign(Buffer.from(SECRET));
    const res = await ledger.as({ token }).fetch('/v1/events/stream');
    expect(res.status).toBe(200);
    const { text, ended } = await readUntil(res, () => false);
    expect(ended).toBe(true);
    expect(text).toContain('"reason":"unauthorized"');
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 50);
  });

  it('drops a subscriber that does not read, and it resumes with Last-Event-ID', async () => {
    const a = await ledger.openAccount();
    const first = created(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' }));
    const slow = await ledger.as().fetch(`/v1/events/stream?after=${(first.position as number) - 1}`);
    let lastPosition = first.position as number;
    for (let i = 0; i < 60; i++) lastPosition = created(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' })).position as number;
    const { text, ended } = await readUntil(slow, () => false);
    expect(ended).toBe(true);
    expect(text).toContain('"reason":"slow_consumer"');
    const seen = idsIn(text);
    const resumed = await ledger.as().fetch('/v1/events/stream', { headers: { 'last-event-id': String(seen[seen.length - 1]) } });
    const rest = await readUntil(resumed, (t) => idsIn(t).includes(lastPosition));
    const all = [...seen, ...idsIn(rest.text)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(lastPosition);
  });
});
