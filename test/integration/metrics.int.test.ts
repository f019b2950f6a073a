import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';

/** The value of one sample line, e.g. metric('ledger_commands_total{outcome="refused",code="insufficient_funds"}'). */
function sample(text: string, prefix: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
}

describe.each(BACKENDS)('GET /metrics (%s)', (backend) => {
  let ledger: TestLedger;
  let text: string;

  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    const teller = ledger.as('teller');
    const a = await ledger.openAccount({ deposit: '10.00' });
    const b = await ledger.openAccount();
    for (let i = 0; i < 5; i++) await teller.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.00' });
    await teller.post(`/v1/accounts/${a}/withdrawals`, { amount: '999.00' });
    await ledger.as(null).get(`/v1/accounts/${a}`);
    await ledger.catchUp();
    // Not public by default: an admin (or auditor) credential scrapes it.
    const res = await ledger.as().fetch('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    text = await res.text();
  });
  afterAll(() => ledger.close());

  it('counts requests per route pattern and status, with latency histograms', () => {
    expect(sample(text, 'ledger_http_requests_total{method="POST",route="/v1/transfers",status="201"}')).toBe(5);
    expect(sample(text, 'ledger_http_requests_total{method="GET",route="/v1/accounts/:id",status="401"}')).toBe(1);
    expect(text).toContain('ledger_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/transfers"}');
    // ids never become labels
    expect(text).not.toMatch(/route="\/v1\/accounts\/[0-9a-f]{8}-/);
  });

  it('counts commands accepted and refused by code, events appended and append batch sizes', () => {
    expect(sample(text, 'ledger_commands_total{outcome="accepted",code="ok"}')).toBeGreaterThanOrEqual(8);
    expect(sample(text, 'ledger_commands_total{outcome="refused",code="insufficient_funds"}')).toBe(1);
    // 2 opens + 1 deposit + 5 transfers × 2 events + the record of the refusal
    expect(sample(text, 'ledger_events_appended_total')).toBe(14);
    expect(sample(text, 'ledger_append_batch_events_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ledger_append_batch_events_sum')).toBe(14);
    expect(sample(text, 'ledger_auth_failures_total{reason="missing"}')).toBe(1);
  });

  it('reports projector lag in events and seconds, and declares the alerts counter', () => {
    expect(sample(text, 'ledger_projector_lag_events{projector="ledger",partition="0"}')).toBe(0);
    expect(sample(text, 'ledger_projector_lag_seconds{projector="ledger",partition="0"}')).toBe(0);
    expect(text).toContain('# TYPE ledger_alerts_raised_total counter');
    expect(text).toContain('ledger_process_resident_memory_bytes');
  });

  it('counts the alerts fraud detection raises', async () => {
    const big = await ledger.openAccount({ deposit: '25000.00' });
    const dep = await ledger.as().get(`/v1/fraud/alerts?accountId=${big}`);
    expect(dep.status).toBe(200);
    await ledger.catchUp();
    const now = await (await ledger.as().fetch('/metrics')).text();
    expect(sample(now, 'ledger_alerts_raised_total{rule="large_transaction"')).toBeGreaterThanOrEqual(1);
  });

  it('shows lag while a projector is behind', async () => {
    await Promise.all(ledger.system.projectors.map((p) => p.stop()));
    const a = await ledger.openAccount();
    await ledger.as('teller').post(`/v1/accounts/${a}/deposits`, { amount: '1.00' });
    await new Promise((r) => setTimeout(r, 50));
    const now = await (await ledger.as().fetch('/metrics')).text();
    expect(sample(now, 'ledger_projector_lag_events{projector="ledger",partition="0"}')).toBeGreaterThanOrEqual(2);
    expect(sample(now, 'ledger_projector_lag_seconds{projector="ledger",partition="0"}')).toBeGreaterThan(0.03);
  });
});

describe('GET /metrics with LEDGER_METRICS_TOKEN (PGlite)', () => {
  it('requires that token', async () => {
    const ledger = await startTestLedger('pglite', { LEDGER_METRICS_TOKEN: 'metrics-scrape-token-123' });
    try {
      expect((await ledger.as(null).fetch('/metrics')).status).toBe(401);
      expect((await ledger.as().fetch('/metrics')).status).toBe(401);
      expect((await ledger.as({ token: 'metrics-scrape-token-123' }).fetch('/metrics')).status).toBe(200);
    } finally {
      await ledger.close();
    }
  });
});
