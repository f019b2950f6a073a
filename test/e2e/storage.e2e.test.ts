import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { partitionOf } from '../../src/log/event-log.ts';
import { ensureKafka, uniqueTopic } from '../support/kafka.ts';
import { createTestDatabase } from '../support/pg.ts';
import { runLedger } from '../support/process.ts';
import { ADMIN_TOKEN, bearer, startTestLedger } from '../support/harness.ts';

const brokers = await ensureKafka();

/**
 * Writes through a system without projectors (as if the service had stopped before projecting):
 * an account with one deposit large enough to raise a large_transaction alert.
 */
async function writeUnprojected(env: Record<string, string>): Promise<void> {
  const system = await startSystem(loadEnv(env), { logger: silentLogger, roles: new Set(['engine', 'api']) });
  try {
    expect(system.projectors).toEqual([]);
    const call = async (p: string, body: unknown) => {
      const res = await system.app.request(p, { method: 'POST', headers: { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as Record<string, unknown>;
    };
    const { id } = await call('/v1/accounts', { currency: 'USD' });
    await call(`/v1/accounts/${id as string}/deposits`, { amount: '25000.00' });
  } finally {
    await system.close();
  }
}

/** `ledger report <name> --format csv`: the JSON line it prints. */
async function report(name: string, env: Record<string, string>, out: string): Promise<{ rows: number; file: string }> {
  const { code, output } = await runLedger(['report', name, '--format', 'csv', '--out', out], env);
  expect(code, output).toBe(0);
  const line = output.split('\n').find((l) => l.startsWith('{"report"'));
  expect(line, output).toBeDefined();
  return JSON.parse(line!) as { rows: number; file: string };
}

describe('CLI tools open storage like the service', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'ledger-cli-'));

  it('embedded: report catches up every read model (a suspicious-activity report is not stale); rebuild and verify use the registry', async () => {
    // KAFKA_BROKERS / DATABASE_URL emptied: the CLI must not inherit the suite's Kafka or server settings.
    const env = { LEDGER_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'ledger-data-')), KAFKA_BROKERS: '', LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' };
    await writeUnprojected(env);
    expect((await report('suspicious-activity', env, out)).rows).toBeGreaterThanOrEqual(1);
    expect((await report('audit-trail', env, out)).rows).toBe(2);
    const rebuilt = await runLedger(['rebuild'], env);
    expect(rebuilt.code, rebuilt.output).toBe(0);
    expect(rebuilt.output).toMatch(/rebuilt ledger in \d+ ms\nrebuilt audit in \d+ ms\nrebuilt anomaly in \d+ ms/);
    const verified = await runLedger(['verify'], env);
    expect(verified.code, verified.output).toBe(0);
  }, 240_000);

  describe.skipIf(!brokers)('on Kafka', () => {
    const drops: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const drop of drops) await drop();
    });

    it('report reads the Kafka log (not the embedded table) and projects the anomaly read model too', async () => {
      const created = await createTestDatabase();
      drops.push(created.drop);
      const env = { DATABASE_URL: created.url, KAFKA_BROKERS: brokers!.join(','), KAFKA_TOPIC: `${uniqueTopic('cli')}.events`, LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' };
      await writeUnprojected(env);
      const trail = await report('audit-trail', env, out);
      expect(trail.rows).toBe(2);
      expect(readFileSync(trail.file, 'utf8')).toContain('FundsDeposited');
      expect((await report('suspicious-activity', env, out)).rows).toBeGreaterThanOrEqual(1);
    }, 120_000);

    it('the account response names its partition, and ?minPosition= waits in that partition', async () => {
      const ledger = await startTestLedger('kafka', { KAFKA_PARTITIONS: '3' });
      try {
        const seen = new Set<number>();
        // Until accounts landed in at least two partitions (ids are random).
        for (let i = 0; i < 30 && seen.size < 2; i++) {
          const opened = await ledger.as().post('/v1/accounts', { currency: 'USD' });
          expect(opened.status).toBe(201);
          const id = opened.body.id as string;
          const partition = partitionOf(id, 3);
          seen.add(partition);
          expect(opened.body.partition).toBe(partition);
          const read = await ledger.as().get(`/v1/accounts/${id}?minPosition=${opened.body.position as number}`);
          expect(read.status, JSON.stringify(read.body)).toBe(200);
          expect(read.body.partition).toBe(partition);
        }
        expect(seen.size).toBeGreaterThan(1);
        // System.catchUp(): every projector (Kafka consumer groups here) reaches the log's end in every partition.
        await ledger.system.catchUp();
        const { log, readModels } = ledger.system;
        for (let p = 0; p < log.partitions; p++) {
          const head = (await log.last(p))?.position ?? -1;
          for (const model of [readModels.ledger, readModels.audit, readModels.anomaly]) expect(await model.position(p), `${model.name} p${p}`).toBe(head);
        }
      } finally {
        await ledger.close();
      }
    }, 120_000);
  });
});
