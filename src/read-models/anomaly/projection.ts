import { type FraudConfig, hours } from '../../domain/fraud/index.ts';
import { AccountCache, type CacheLimits, DEFAULT_CACHE_LIMITS } from './account-cache.ts';
import { applyCaseEvents } from './cases.ts';
import { evaluateBatch } from './evaluate.ts';
import { gatherTouched } from './touched.ts';
import { type Horizons, keepWindows, loadWindows } from './windows.ts';
import { applyStatusChanges, writeBack } from './write-back.ts';
import type { Projection } from '../../projections/projection.ts';

/** Told of the alerts a batch raised (metrics); called inside the batch's transaction. */
export type AlertsRaised = (alerts: ReadonlyArray<{ rule: string; severity: string }>) => void;

/**
 * The anomaly projector: runs every rule on every movement, in log order, and keeps the state the
 * rules need (activity windows, profiles, counterparties, funds in flight) in PostgreSQL in the
 * same transaction as the alerts and the checkpoint. A batch reads the windows of all the accounts
 * it touches at once, evaluates in memory, then writes everything back in bulk; the outcome does
 * not depend on how the log is cut into batches, so a rebuild raises the same alerts. The profiles and
 * windows it read stay in memory for the next batches (account-cache.ts: exact, bounded, emptied
 * whenever the tables may have moved without it).
 *
 * Exactly once is the runner's job: it locks the checkpoint and applies only a batch past it. That
 * matters here more than anywhere, since the counterparty totals are additive.
 */
export function anomalyProjection(config: FraudConfig, onAlerts?: AlertsRaised, cacheLimits: CacheLimits = DEFAULT_CACHE_LIMITS): Projection & { readonly cache: AccountCache } {
  const cache = new AccountCache('anomaly', cacheLimits);
  const horizons: Horizons = {
    lookBackMs: config.maxWindowMs(),
    tagWindowMs: Math.max(...['*', ...config.currencies()].map((c) => hours(config.forCurrency(c).round_trip.windowHours))),
    takeoverWindowMs: config.takeoverWindowMs(),
  };
  return {
    cache,
    name: 'anomaly',
    tables: ['alerts', 'fraud_accounts', 'fraud_account_counters', 'fraud_activity', 'fraud_counterparties', 'fraud_flow_tags', 'fraud_population', 'fraud_cases', 'fraud_alert_outbox'],
    // The alert reactor drains the outbox; a replay's outbox is never drained.
    queues: ['fraud_alert_outbox'],
    apply: async (tx, batch) => {
      const touched = gatherTouched(batch);
      const last = batch[batch.length - 1]!;
      await cache.around(tx, last.partition, last.position, async (kept) => {
        if (!touched) return;
        const { windows, loaded } = await loadWindows(tx, touched, horizons, kept);
        const changes = evaluateBatch(batch, windows, config, horizons, touched.firstAt);
        await writeBack(tx, windows, changes, horizons.tagWindowMs);
        await applyStatusChanges(tx, touched.statusChanges);
        await applyCaseEvents(tx, touched.caseEvents);
        if (kept) keepWindows(kept, windows, loaded, touched, horizons, { profiles: [...changes.dirtyProfiles, ...changes.dirtyCounters], activity: changes.activity.map((a) => a.accountId) });
        if (changes.newAlerts.size) onAlerts?.([...changes.newAlerts.values()].map((a) => ({ rule: a.rule, severity: a.severity })));
      });
    },
  };
}
