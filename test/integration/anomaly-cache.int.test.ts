import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, rowsOf } from '../../src/db/client.ts';
import { FraudConfig } from '../../src/domain/fraud/config.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { applyOnce, resetProjection } from '../../src/projections/checkpoints.ts';
import type { CacheLimits } from '../../src/read-models/anomaly/account-cache.ts';
import { anomalyProjection } from '../../src/read-models/anomaly/projection.ts';
import { denseMovements } from '../support/dense-movements.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

/**
 * The anomaly projector keeps profiles and activity windows in memory across batches
 * (src/read-models/anomaly/account-cache.ts). Whatever happens to the batches (a transaction that
 * fails after the projector's writes, another applier moving the checkpoint, a rebuild, evictions),
 * the tables must come out exactly as without the cache.
 */
const TABLES = ['alerts', 'fraud_alert_outbox', 'fraud_activity', 'fraud_counterparties', 'fraud_flow_tags', 'fraud_population', 'fraud_accounts', 'fraud_account_counters'];
const NO_CACHE: CacheLimits = { maxAccounts: 0, maxItems: 0 };
const BATCH = 150;

/** Accounts opened and funded, transfers among them (each pays on), then a ring draining itself: every rule's state moves. */
function log(): StoredEvent[] {
  const ring = denseMovements({ accounts: 5, transfers: 300, amount: '60.00', deposit: '60.00', ring: true, start: '2025-01-01T00:00:00.000Z' });
  const spread = denseMovements({ accounts: 40, transfers: 600, amount: '3.00', deposit: '500.00', ring: true, stepMs: 60_000, start: '2025-01-01T01:00:00.000Z' });
  const renamed = spread.map((e) => JSON.parse(JSON.stringify(e).replaceAll('acct-', 'spread-')) as StoredEvent);
  return [...ring, ...renamed].map((e, n) => ({ ...e, position: n, eventId: `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}` }));
}

async function tables(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const rows = rowsOf<{ body: string }>(await db.execute(sql.raw(`select coalesce(string_agg(x::text, E'\\n' order by x::text), '') as body from "${t}" x`)));
    out[t] = rows[0]!.body;
  }
  return out;
}

async function replay(db: Db, projection: ReturnType<typeof anomalyProjection>, events: StoredEvent[], failEvery = 0): Promise<void> {
  for (let i = 0, n = 0; i < events.length; i += BATCH, n++) {
    const slice = events.slice(i, i + BATCH);
    if (failEvery && n % failEvery === 1) {
      const failed = db.transaction(async (tx) => {
        await projection.apply(tx, slice);
        throw new Error('crash after the writes');
      });
      await expect(failed).rejects.toThrow('crash after the writes');
    }
    await applyOnce(db, projection, 0, slice);
  }
}

describe.each(BACKENDS)('anomaly projector cache (%s)', (backend) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  const events = log();
  let expected: Record<string, string>;

  beforeAll(async () => {
    const opened = await openTestDatabase(backend);
    db = opened.database.db;
    cleanup = opened.cleanup;
    await replay(db, anomalyProjection(new FraudConfig(), undefined, NO_CACHE), events);
    expected = await tables(db);
    expect(expected['alerts']).not.toBe('');
  });
  afterAll(() => cleanup());

  const fresh = async (): Promise<void> => {
    await resetProjection(db, anomalyProjection(new FraudConfig()));
  };

  it('reads windows from memory across batches and leaves the same tables', async () => {
    await fresh();
    const projection = anomalyProjection(new FraudConfig());
    await replay(db, projection, events);
    expect(await tables(db)).toEqual(expected);
    expect(projection.cache.stats.hits).toBeGreaterThan(projection.cache.stats.misses);
    expect(projection.cache.stats.resets).toBe(0);
  });

  it('stays within its limits, evicting the least recently used accounts', async () => {
    await fresh();
    const projection = anomalyProjection(new FraudConfig(), undefined, { maxAccounts: 7, maxItems: 60 });
    await replay(db, projection, events);
    expect(await tables(db)).toEqual(expected);
    expect(projection.cache.size.accounts).toBeLessThanOrEqual(7);
    expect(projection.cache.size.items).toBeLessThanOrEqual(60);
  });

  it('forgets a batch whose transaction failed after its writes', async () => {
    await fresh();
    const projection = anomalyProjection(new FraudConfig());
    await replay(db, projection, events, 3);
    expect(await tables(db)).toEqual(expected);
    expect(projection.cache.stats.resets).toBeGreaterThan(0);
  });

  it('starts empty when another applier moved the checkpoint, and after a rebuild', async () => {
    await fresh();
    const mine = anomalyProjection(new FraudConfig());
    const other = anomalyProjection(new FraudConfig());
    for (let i = 0, n = 0; i < events.length; i += BATCH, n++) await applyOnce(db, n % 4 === 2 ? other : mine, 0, events.slice(i, i + BATCH));
    expect(await tables(db)).toEqual(expected);
    const resets = mine.cache.stats.resets;
    expect(resets).toBeGreaterThan(0);
    await resetProjection(db, mine);
    await replay(db, mine, events);
    expect(await tables(db)).toEqual(expected);
    expect(mine.cache.stats.resets).toBe(resets + 1);
  });
});
