import type { Server } from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/http/server.ts';
import { type Client, type TestLedger, remoteClient, startTestLedger } from '../support/harness.ts';

/**
 * A bounded load test on a real socket (127.0.0.1 only): slow clients (headers or body trickled a
 * byte at a time, a reader that never reads) must not starve normal clients, get cut off by the
 * server's timeouts, and memory stays bounded across rounds.
 */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('mixed load with slow clients (PGlite, real HTTP server on 127.0.0.1)', () => {
  let ledger: TestLedger;
  let server: Server;
  let port: number;
  let asTeller: Client;
  let asAuditor: Client;
  let teller: string;
  let auditor: string;
  const accounts: string[] = [];

  beforeAll(async () => {
    ledger = await startTestLedger('pglite', { LEDGER_REQUEST_TIMEOUT_MS: '2000' });
    teller = (await ledger.key('teller')).token;
    auditor = (await ledger.key('auditor')).token;
    for (let i = 0; i < 10; i++) accounts.push(await ledger.openAccount({ deposit: '100000.00' }));
    server = await startHttpServer(ledger.system.app, { port: 0, hostname: '127.0.0.1', requestTimeoutMs: 2000, headersTimeoutMs: 1000 });
    port = (server.address() as AddressInfo).port;
    asTeller = remoteClient(`http://127.0.0.1:${port}`, teller);
    asAuditor = remoteClient(`http://127.0.0.1:${port}`, auditor);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(() => r(null)));
    await ledger.close();
  });

  /** Opens a socket that sends a request a byte every intervalMs; resolves with what the server did. */
  function slowClient(kind: 'headers' | 'body', intervalMs: number, maxMs: number): Promise<{ closedAfterMs: number; response: string }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let response = '';
      const head = `POST /v1/transfers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${teller}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n`;
      let sent = 0;
      const payload = kind === 'headers' ? head : head + '{"x":"' + 'a'.repeat(59990);
      if (kind === 'body') {
        socket.write(head);
        sent = head.length;
      }
      const timer = setInterval(() => {
        if (Date.now() - started > maxMs || sent >= payload.length) return finish();
        if (!socket.destroyed) socket.write(payload[sent++]!);
      }, intervalMs);
      const finish = () => {
        clearInterval(timer);
        socket.destroy();
        resolve({ closedAfterMs: Date.now() - started, response });
      };
      socket.on('data', (d) => (response += d.toString()));
      socket.on('close', finish);
      socket.on('error', () => {});
    });
  }

  /** A client that asks for a large page and never reads the response. */
  function stalledReader(): net.Socket {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET /v1/events?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${auditor}\r\n\r\n`);
    socket.pause();
    return socket;
  }

  async function round(requests: number, concurrency: number): Promise<{ latencies: number[]; statuses: Map<number, number> }> {
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        const i = next++;
        const a = accounts[i % accounts.length]!;
        const b = accounts[(i + 3) % accounts.length]!;
        const kind = i % 4;
        const started = performance.now();
        const res =
          kind === 0 || kind === 1
            ? await asTeller.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '0.01' })
            : kind === 2
              ? await asTeller.post(`/v1/accounts/${a}/deposits`, { amount: '0.01' })
              : await asAuditor.get(`/v1/accounts/${a}`);
        latencies.push(performance.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { latencies: latencies.sort((x, y) => x - y), statuses };
  }

  it('serves normal clients promptly while slow clients are cut off, with memory bounded', async () => {
    await round(100, 8); // warm-up
    const baseStarted = Date.now();
    const baseline = await round(600, 8);
    const baseElapsed = Date.now() - baseStarted;
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const slow = [
      ...Array.from({ length: 15 }, () => slowClient('headers', 100, 8000)),
      ...Array.from({ length: 15 }, () => slowClient('body', 100, 8000)),
    ];
    const stalled = Array.from({ length: 10 }, stalledReader);
    const started = Date.now();
    const r1 = await round(600, 8);
    const r2 = await round(600, 8);
    const elapsed = Date.now() - started;
    const slowResults = await Promise.all(slow);
    for (const s of stalled) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    gc();
    const heap1 = process.memoryUsage().heapUsed;

    const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
    const all = [...r1.latencies, ...r2.latencies].sort((x, y) => x - y);
    console.log(`load baseline: 600 requests in ${baseElapsed} ms (${Math.round((600 / baseElapsed) * 1000)}/s) without slow clients; p50 ${p(baseline.latencies, 0.5).toFixed(1)} ms, p99 ${p(baseline.latencies, 0.99).toFixed(1)} ms`);
    console.log(
      `load: 1200 requests in ${elapsed} ms (${Math.round((1200 / elapsed) * 1000)}/s) with 30 slow + 10 stalled clients; ` +
        `p50 ${p(all, 0.5).toFixed(1)} ms, p99 ${p(all, 0.99).toFixed(1)} ms, max ${all[all.length - 1]!.toFixed(1)} ms; ` +
        `slow clients closed after ${Math.min(...slowResults.map((s) => s.closedAfterMs))}-${Math.max(...slowResults.map((s) => s.closedAfterMs))} ms; ` +
        `heap ${(heap0 / 1e6).toFixed(0)} → ${(heap1 / 1e6).toFixed(0)} MB; statuses ${JSON.stringify(Object.fromEntries(r1.statuses))}`,
    );
    for (const r of [r1, r2]) for (const status of r.statuses.keys()) expect([200, 201]).toContain(status);
    // Loose: the suite may share the 2 cores with another test file.
    expect(p(all, 0.99)).toBeLessThan(2000);
    // The server dropped every slow client well before the client would have given up (8 s).
    for (const s of slowResults) expect(s.closedAfterMs).toBeLessThan(6000);
    expect(heap1 - heap0).toBeLessThan(32 * 1024 * 1024);
  }, 180_000);
});
