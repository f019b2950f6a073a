import { mkdtempSync, readdirSync, lstatSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { ADMIN_TOKEN, bearer } from '../support/harness.ts';

/** Every entry under root with its permission bits. */
function modes(root: string): Array<{ file: string; dir: boolean; mode: number }> {
  const out: Array<{ file: string; dir: boolean; mode: number }> = [];
  const pending = [root];
  while (pending.length) {
    const dir = pending.pop()!;
    out.push({ file: dir, dir: true, mode: lstatSync(dir).mode & 0o777 });
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) pending.push(full);
      else if (e.isFile()) out.push({ file: full, dir: false, mode: lstatSync(full).mode & 0o777 });
    }
  }
  return out;
}

describe('embedded data directory permissions', () => {
  const original = process.umask();
  afterEach(() => void process.umask(original));

  it('creates files 0600 and directories 0700 under umask 000, and makes an existing tree private', async () => {
    process.umask(0);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ledger-perm-'));
    chmodSync(dataDir, 0o777);
    // Left by an older version: world-readable.
    writeFileSync(path.join(dataDir, 'bootstrap-admin-token'), 'old\n', { mode: 0o666 });
    const env = loadEnv({ LEDGER_DATA_DIR: dataDir, LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, LEDGER_RATE_LIMIT_RPS: '0' });
    const system = await startSystem(env, { logger: silentLogger });
    try {
      const headers = { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' };
      const opened = await system.app.request('/v1/accounts', { method: 'POST', headers, body: JSON.stringify({ currency: 'USD' }) });
      expect(opened.status).toBe(201);
      const { id } = (await opened.json()) as { id: string };
      for (let i = 0; i < 20; i++) {
        const res = await system.app.request(`/v1/accounts/${id}/deposits`, { method: 'POST', headers, body: JSON.stringify({ amount: '1.00' }) });
        expect(res.status).toBe(201);
      }
    } finally {
      await system.close();
    }
    const entries = modes(dataDir);
    expect(entries.filter((e) => !e.dir).length).toBeGreaterThan(10); // PGlite's relations and WAL are there
    expect(entries.filter((e) => e.dir && e.mode !== 0o700)).toEqual([]);
    expect(entries.filter((e) => !e.dir && (e.mode & 0o077) !== 0)).toEqual([]);
  });
});
