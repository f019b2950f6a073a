import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf } from '../../src/auth/api-keys.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { ADMIN_TOKEN, type TestLedger, bearer, created, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';
import { runLedger } from '../support/process.ts';

describe('the last admin key and /metrics', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite');
  });
  afterAll(() => ledger.close());

  it('keeps /metrics behind a token by default: admin and auditor credentials pass, others do not', async () => {
    expectProblem(await ledger.as(null).get('/metrics'), 401, 'unauthorized');
    expectProblem(await ledger.as({ token: 'lk_0000000000000000_nope' }).get('/metrics'), 401, 'unauthorized');
    expectProblem(await ledger.as('teller').get('/metrics'), 403, 'forbidden');
    const auditor = await ledger.as('auditor').fetch('/metrics');
    expect(auditor.status).toBe(200);
    expect(await auditor.text()).toContain('ledger_http_requests_total');
  });

  it('serves /metrics without a token only with LEDGER_METRICS_PUBLIC=true', async () => {
    const open = await startTestLedger('pglite', { LEDGER_METRICS_PUBLIC: 'true' });
    try {
      expect((await open.as(null).fetch('/metrics')).status).toBe(200);
    } finally {
      await open.close();
    }
  });
  it('refuses to revoke the last active admin key with 409 last_admin_key, and allows it once another admin exists', async () => {
    const bootstrapId = keyIdOf(ADMIN_TOKEN);
    expectProblem(await ledger.as().delete(`/v1/keys/${bootstrapId}`), 409, 'last_admin_key');
    // Other roles do not count as admins.
    await ledger.key('teller');
    expectProblem(await ledger.as().delete(`/v1/keys/${bootstrapId}`), 409, 'last_admin_key');
    const second = await ledger.key('admin');
    expect((await ledger.as().delete(`/v1/keys/${bootstrapId}`)).status).toBe(200);
    expectProblem(await ledger.as({ token: second.token }).delete(`/v1/keys/${second.id}`), 409, 'last_admin_key');
    expect((await ledger.as({ token: second.token }).get('/v1/keys')).status).toBe(200);
  });

});

describe('start-up warnings', () => {
  it('warns when JWTs are configured without issuer and audience', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_: object, msg?: string) => void warnings.push(msg ?? '') };
    const ledger = await startTestLedger('pglite', { LEDGER_JWT_SECRET: 'a-shared-secret-of-at-least-32-characters!' }, { logger });
    try {
      expect(warnings).toEqual(expect.arrayContaining([expect.stringContaining('LEDGER_JWT_ISSUER is not set'), expect.stringContaining('LEDGER_JWT_AUDIENCE is not set')]));
    } finally {
      await ledger.close();
    }
  });
});

describe('ledger keys (CLI on the database): recovering a lost admin key', () => {
  it('creates an admin key that the service accepts, lists keys, and refuses to revoke the last admin', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-keys-'));
    const env = { LEDGER_DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'silent' };
    const createdKey = await runLedger(['keys', 'create', '--role', 'admin', '--name', 'recovery'], env);
    expect(createdKey.code, createdKey.output).toBe(0);
    const token = createdKey.output.split('\n').find((l) => l.startsWith('lk_'));
    expect(token, createdKey.output).toBeDefined();
    const id = keyIdOf(token!);

    const listed = await runLedger(['keys', 'list'], env);
    expect(listed.code, listed.output).toBe(0);
    const rows = listed.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { id: string; role: string; name: string; createdBy: string });
    expect(rows).toContainEqual(expect.objectContaining({ id, role: 'admin', name: 'recovery', createdBy: 'cli' }));
    expect(listed.output).not.toContain(token!);

    const refused = await runLedger(['keys', 'revoke', id], env);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('last active admin key');

    // The service started on that data directory takes the recovered token.
    const system = await startSystem(loadEnv({ LEDGER_DATA_DIR: dataDir }), { logger: silentLogger });
    try {
      const res = await system.app.request('/v1/accounts', { method: 'POST', headers: { ...bearer(token!), 'content-type': 'application/json' }, body: JSON.stringify({ currency: 'USD' }) });
      expect(res.status).toBe(201);
      created({ status: res.status, body: await res.json(), headers: res.headers });
    } finally {
      await system.close();
    }
  }, 180_000);
});
