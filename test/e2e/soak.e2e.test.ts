import { describe, expect, it } from 'vitest';
import { formatSummary, runSoak } from '../soak/soak.ts';
import { BACKENDS } from '../support/pg.ts';

// The short soak (npm run soak runs it for longer): a writer and a standby under mixed load, killed
// with SIGKILL at random moments, then every invariant checked (see test/soak/soak.ts).
describe.skipIf(!BACKENDS.includes('postgres'))('soak (one minute) on PostgreSQL', () => {
  it('keeps every invariant while the writer and the standby are killed at random', async () => {
    const summary = await runSoak({ minutes: 1, clients: 8, killEvery: [8, 14], log: () => {} });
    console.log(formatSummary(summary));
    expect(summary.violations).toEqual([]);
    expect(summary.otherErrors).toEqual([]);
    expect(summary.kills.writer + summary.kills.standby).toBeGreaterThanOrEqual(2);
    expect(summary.acknowledged).toBeGreaterThan(100);
  }, 600_000);
});
