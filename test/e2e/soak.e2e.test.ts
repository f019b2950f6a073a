import { describe, expect, it } from 'vitest';
import { formatSummary, runSoak } from '../soak/soak.ts';
import { ensureKafka } from '../support/kafka.ts';
import { BACKENDS, selectedBackends } from '../support/pg.ts';

// The short soak (npm run soak runs it for longer): a writer and a standby under mixed load, killed
// with SIGKILL at random moments, then every invariant checked (see test/soak/soak.ts).
describe.skipIf(!BACKENDS.includes('postgres'))('soak (one minute) on PostgreSQL', () => {
  it('keeps every invariant while the writer and the standby are killed at random', async () => {
    const summary = await runSoak({ minutes: 1, clients: 8, killEvery: [8, 14], minKills: 2, log: () => {} });
    console.log(formatSummary(summary));
    expect(summary.violations).toEqual([]);
    expect(summary.otherErrors).toEqual([]);
    expect(summary.kills.writer + summary.kills.standby).toBeGreaterThanOrEqual(2);
    expect(summary.acknowledged).toBeGreaterThan(100);
  }, 600_000);
});

// On Kafka the soak runs its own broker (scripts/kafka.sh on a free port) and kills it too: possible
// only where that script can start one (not with KAFKA_BROKERS pointing at a broker elsewhere).
const ownBroker = selectedBackends(['kafka']).length > 0 && !process.env.KAFKA_BROKERS && (await ensureKafka()) !== null;

describe.skipIf(!ownBroker)('soak (90 s) on Kafka, the broker killed too', () => {
  it('keeps every invariant while the writer, the standby and the broker are killed at random', async () => {
    const summary = await runSoak({ minutes: 1.5, clients: 8, killEvery: [8, 14], minKills: 3, kafka: true, log: (line) => console.log(line) });
    console.log(formatSummary(summary));
    expect(summary.violations).toEqual([]);
    expect(summary.otherErrors).toEqual([]);
    expect(summary.kills.writer + summary.kills.standby + summary.kills.broker).toBeGreaterThanOrEqual(3);
    expect(summary.kills.broker).toBeGreaterThanOrEqual(1);
    expect(summary.acknowledged).toBeGreaterThan(100);
  }, 900_000);
});
