/**
 * The engine's idempotency index in memory: heap and RSS with N remembered commands, with and
 * without the bound, and the state machine's time per command (no log, no I/O: the pure core as
 * the engine drives it, with a projector that follows `--lag` events behind).
 *
 *   node --max-old-space-size=4096 --import tsx bench/idempotency.ts [--commands 1000000] [--memory N] [--lag 5000] [--accounts 1000]
 *
 * --memory: the bound (LEDGER_IDEMPOTENCY_MEMORY); 0 (the default) keeps every key (no table).
 * Command ids as the HTTP API makes them (`key:<key id>:<Idempotency-Key>`, 77 characters), a
 * SHA-256 request hash each; deposits over `--accounts` accounts in batches of 500. Prints the heap per
 * account (opened), and per command: the index's keys in memory and the transaction state every deposit
 * leaves for reversals (unbounded: `machine.count('transaction')`); the difference between two runs
 * with different bounds gives the bytes per key in memory.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { AccountCommand } from '../src/domain/account/index.ts';
import { type CommandContext, LedgerStateMachine, type Submitted } from '../src/engine/state-machine.ts';
import { sha256Hex } from '../src/log/envelope.ts';
import type { StoredEvent } from '../src/log/envelope.ts';
import { heapAfterGc } from './lib/heap.ts';

const { values } = parseArgs({ options: { commands: { type: 'string', default: '1000000' }, memory: { type: 'string', default: '0' }, lag: { type: 'string', default: '5000' }, accounts: { type: 'string', default: '1000' } } });
const commands = Number(values.commands);
const memory = Number(values.memory);
const lag = Number(values.lag);


const keyId = randomUUID();
const ctx = (key: string): CommandContext => ({ commandId: `key:${keyId}:${key}`, requestHash: sha256Hex(key), correlationId: key, causationId: null, actor: `key:${keyId}`, actorRole: 'teller', origin: { ip: null, userAgent: null, requestId: null } });
const ACCOUNTS = Number(values.accounts);
const BATCH = 500;
let n = 0;
const machine = new LedgerStateMachine({ partitions: 1, newId: () => `evt-${++n}`, ...(memory > 0 ? { idempotencyMemory: memory } : {}) });

/** Decides and commits a batch as a log that always succeeds would; the projector follows `lag` events behind. */
function run(batch: Submitted[]): void {
  const prepared = machine.prepare(batch, '2026-01-01T00:00:00.000Z');
  let position = machine.position(0);
  const stored = prepared.events.map((e) => ({ ...e, position: ++position }) as StoredEvent);
  if (memory > 0) machine.projectedTo([Math.max(-1, position - lag)]);
  machine.commit(prepared, stored);
}

const heapEmpty = heapAfterGc();
for (let i = 0; i < ACCOUNTS; i += BATCH) {
  run(Array.from({ length: Math.min(BATCH, ACCOUNTS - i) }, (_, j): Submitted => ({ command: { type: 'OpenAccount', accountId: `acct-${i + j}`, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} }, ctx: ctx(randomUUID()) })));
}
const heap0 = heapAfterGc();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
for (let i = 0; i < commands; i += BATCH) {
  const batch = Array.from({ length: Math.min(BATCH, commands - i) }, (_, j): Submitted => {
    const deposit: AccountCommand = { type: 'Deposit', accountId: `acct-${(i + j) % ACCOUNTS}`, transactionId: `t-${i + j}`, amount: '1.00', reference: null, channel: null, metadata: {} };
    return { command: deposit, ctx: ctx(randomUUID()) };
  });
  run(batch);
}
const secs = (performance.now() - t0) / 1000;
const heap = heapAfterGc();
const mib = (b: number) => Math.round(b / 2 ** 20);
console.log(
  `${ACCOUNTS} accounts: ${Math.round((heap0 - heapEmpty) / ACCOUNTS)} bytes per account (opened, its key remembered); ` +
    `${commands} commands, bound ${memory > 0 ? memory : 'none'}: ${machine.remembered} in memory; heap ${mib(heap)} MiB (+${mib(heap - heap0)} MiB, ` +
    `${Math.round((heap - heap0) / commands)} bytes per command; ${machine.remembered} keys and ${machine.count('transaction')} transactions in memory); rss ${mib(process.memoryUsage().rss)} MiB (+${mib(process.memoryUsage().rss - rss0)} MiB); ` +
    `state machine ${Math.round(commands / secs)} commands/s`,
);
