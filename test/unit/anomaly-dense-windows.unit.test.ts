import { describe, expect, it } from 'vitest';
import { type Activity, FraudConfig } from '../../src/domain/fraud/index.ts';
import { windowWork } from '../../src/domain/fraud/window.ts';
import { evaluateBatch } from '../../src/read-models/anomaly/evaluate.ts';
import type { Windows } from '../../src/read-models/anomaly/windows.ts';
import { type DenseOptions, denseMovements } from '../support/dense-movements.ts';

/**
 * Dense windows: thousands of movements between a handful of accounts within minutes, every one
 * inside the others' windows (a batch command of 8,190 transfers). The anomaly projector's work per
 * movement must not grow with the window: counted as the movements of the windows read (every read
 * of an account's window array, through a proxy, plus what the windows' indexes read), not timed.
 * Before the windows were indexed, every rule scanned the whole window for every movement: the
 * work grew with the square of the batch (16,000 movements cost minutes of CPU).
 */
function workOf(o: DenseOptions): { events: number; work: number; alerts: string[]; tags: number } {
  const config = new FraudConfig();
  let reads = 0;
  const counted = (list: Activity[]): Activity[] =>
    new Proxy(list, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^[0-9]+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  class CountedWindows extends Map<string, Activity[]> {
    override set(key: string, list: Activity[]): this {
      return super.set(key, counted(list));
    }
  }
  const windows: Windows = { profiles: new Map(), recent: new CountedWindows(), ownerCash: new Map(), paid: new Set(), tags: new Map(), population: new Map(), openAlerts: new Map(), risk: new Map(), firstContact: new Map() };
  const events = denseMovements(o);
  const before = windowWork.items;
  const changes = evaluateBatch(events, windows, config, { lookBackMs: config.maxWindowMs(), takeoverWindowMs: config.takeoverWindowMs() }, events[0]!.occurredAt);
  return { events: events.length, work: reads + windowWork.items - before, alerts: [...changes.newAlerts.values()].map((a) => a.rule).sort(), tags: changes.newTags.length };
}

describe('anomaly projector on dense windows', () => {
  it.each([
    ['two accounts, one paying the other 1.00 until it is drained', { accounts: 2, amount: '1.00', deposit: '4000.00' }],
    ['four accounts paying round a ring', { accounts: 4, amount: '1.00', deposit: '100000.00', ring: true }],
    ['five accounts passing 60.00 on round a ring, every balance drained in turn', { accounts: 5, amount: '60.00', deposit: '70.00', ring: true }],
  ] as const)('reads each window a bounded number of times per movement: %s', (_, shape) => {
    const small = workOf({ ...shape, transfers: 300 });
    const large = workOf({ ...shape, transfers: 2400 });
    // The same alerts whatever the size (the shapes repeat): the work bound did not come from skipping rules.
    expect(new Set(large.alerts)).toEqual(new Set(small.alerts));
    // Linear: 8 times the movements, about 8 times the work (quadratic would be 64 times).
    expect(large.work / small.work).toBeLessThan(10);
    expect(large.work / large.events).toBeLessThan(30);
  });

  it('carries a bounded number of flow tags per transfer when large sums go round a ring again and again', () => {
    // Every transfer used to pass on every live tag of its sender, and tags were never used up: a ring of
    // four passing 1,000.00 wrote 12,425 tags for 100 transfers and 697,200 for 400, then the bulk insert
    // failed (RangeError: Invalid string length) and the projector could not get past that batch.
    const shape = { accounts: 4, amount: '1000.00', deposit: '1000000.00', ring: true } as const;
    const small = workOf({ ...shape, transfers: 100 });
    const large = workOf({ ...shape, transfers: 400 });
    expect(large.alerts).toContain('round_trip');
    expect(large.tags / large.events).toBeLessThan(70);
    expect(large.tags / small.tags).toBeLessThan(5);
  });
});
