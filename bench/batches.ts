/**
 * Batches (issue 12): transfers/s through POST /v1/batches (atomic, 1,000 transfers each) over real
 * HTTP on PostgreSQL, acknowledged durable, with the projector's lag at the end; then the engine
 * alone (executeBatch, no HTTP).
 *
 *   npx tsx bench/batches.ts [--batches 50] [--size 1000] [--inflight 4] [--accounts 1000]
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import type { CommandContext } from '../src/engine/ledger-engine.ts';
import { type TestLedger, remoteClient, startTestLedger } from '../test/support/harness.ts';

const { values } = parseArgs({ options: { batches: { type: 'string', default: '50' }, size: { type: 'string', default: '1000' }, inflight: { type: 'string', default: '4' }, accounts: { type: 'string', default: '1000' } } });
const batches = Number(values.batches);
const size = Number(values.size);
const inflight = Number(values.inflight);
const accountCount = Number(values.accounts);

let seq = 0;
const ctx = (): CommandContext => ({ commandId: `bench-${++seq}`, requestHash: 'h'.repeat(64), correlationId: 'bench', causationId: null, actor: 'bench', actorRole: 'admin', origin: { ip: null, userAgent: null, requestId: null } });

async function openAccounts(ledger: TestLedger): Promise<string[]> {
  const engine = ledger.system.engine!;
  const ids = Array.from({ length: accountCount }, (_, i) => `bench-${i}`);
  await Promise.all(ids.map((id) => engine.execute({ type: 'OpenAccount', accountId: id, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} }, ctx())));
  await Promise.all(ids.map((id) => engine.execute({ type: 'Deposit', accountId: id, transactionId: `d-${id}`, amount: '1000000.00', reference: null, channel: null, metadata: {} }, ctx())));
  return ids;
}

const transfer = (ids: string[], i: number) => {
  const a = (i * 7919) % ids.length;
  return { fromAccountId: ids[a]!, toAccountId: ids[(a + 1 + (i % (ids.length - 1))) % ids.length]!, amount: '0.01' };
};

async function run(label: string, send: (b: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < batches) await send(next++);
  }));
  const secs = (performance.now() - t0) / 1000;
  const rate = Math.round((batches * size) / secs);
  console.log(`${label}: ${batches} batches × ${size} transfers in ${secs.toFixed(2)} s = ${rate} transfers/s (${inflight} batches in flight)`);
  return rate;
}

async function main() {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; PostgreSQL log`);
  const ledger = await startTestLedger('postgres', { LEDGER_REQUEST_TIMEOUT_MS: '120000' });
  const server = serve({ fetch: ledger.system.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  try {
    const ids = await openAccounts(ledger);
    await ledger.catchUp();
    const http = remoteClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    let offset = 0;
    await run('HTTP POST /v1/batches', async () => {
      const base = (offset += size);
      const res = await http.post('/v1/batches', { mode: 'atomic', items: Array.from({ length: size }, (_, i) => ({ type: 'transfer', ...transfer(ids, base + i) })) });
      if (res.status !== 201) throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    });
    const lag0 = performance.now();
    await ledger.catchUp();
    console.log(`projector lag after the last acknowledgement: ${Math.round(performance.now() - lag0)} ms`);

    const engine = ledger.system.engine!;
    await run('engine.executeBatch', async (b) => {
      const items = Array.from({ length: size }, (_, i) => ({ type: 'Transfer' as const, transactionId: `e-${b}-${i}`, ...transfer(ids, b * size + i), reference: null, metadata: {} }));
      await engine.executeBatch({ type: 'ExecuteBatch', batchId: `eb-${b}`, mode: 'atomic', items }, ctx());
    });
  } finally {
    server.close();
    await ledger.close();
  }
}

await main();
